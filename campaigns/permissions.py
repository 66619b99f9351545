"""Who may see or do what with prevention campaigns, on top of the organisation
rules of activations.permissions.

Coordinators of a VOST team manage its library and campaigns; liaisons (members
of the authority with the liaison role) see the campaigns under their
authority's agreements and approve them. Everything else: 404 for objects one
may not see, 403 for the wrong role. Views get campaign objects only through
``campaign_access``.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from activations.models import Organisation, OrganisationMember
from activations.permissions import (
    AnyUser,
    coordinated_teams,
    organisation_can_manage,
)
from campaigns.models import Campaign, PreventionMessage


class CampaignAction(StrEnum):
    VIEW = "view"
    MANAGE = "manage"  # the team's coordinators
    APPROVE = "approve"  # the authority's liaisons


def liaison_authorities(user: AnyUser) -> QuerySet[Organisation]:
    """Authorities the user is a liaison of."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        members__user=user, members__role=OrganisationMember.Role.LIAISON
    ).exclude(kind=Organisation.Kind.VOST_TEAM)


def campaigns_area_allowed(user: AnyUser) -> bool:
    """Whether the user has any business in the campaigns pages."""
    return coordinated_teams(user).exists() or liaison_authorities(user).exists()


def campaigns_visible_to(user: AnyUser) -> QuerySet[Campaign]:
    if not user.is_authenticated:
        return Campaign.objects.none()
    return Campaign.objects.filter(
        Q(team__in=coordinated_teams(user).values("pk"))
        | Q(agreement__authority__in=liaison_authorities(user).values("pk"))
    ).distinct()


def messages_visible_to(user: AnyUser) -> QuerySet[PreventionMessage]:
    """The shared library and the libraries of the teams the user coordinates."""
    if not user.is_authenticated:
        return PreventionMessage.objects.none()
    return PreventionMessage.objects.filter(
        Q(team__isnull=True) | Q(team__in=coordinated_teams(user).values("pk"))
    )


def can_approve(user: AnyUser, campaign: Campaign) -> bool:
    return liaison_authorities(user).filter(pk=campaign.agreement.authority_id).exists()


def campaign_access(
    *,
    user: AnyUser,
    campaign_id: int | None = None,
    message_id: int | None = None,
    action: CampaignAction = CampaignAction.VIEW,
) -> Campaign | PreventionMessage | None:
    """The one access check of the app.

    No object: the campaigns area (403 for people who neither coordinate a team
    nor act as a liaison). A campaign or a message: 404 when the user may not see
    it, 403 when they may see it but not do ``action``.
    """
    if campaign_id is not None:
        return _campaign(user, campaign_id, action)
    if message_id is not None:
        return _message(user, message_id, action)
    if not campaigns_area_allowed(user):
        raise PermissionDenied
    return None


def _campaign(user: AnyUser, campaign_id: int, action: CampaignAction) -> Campaign:
    campaign = (
        campaigns_visible_to(user)
        .select_related("team", "agreement__authority")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404
    if action == CampaignAction.MANAGE and not organisation_can_manage(
        user, campaign.team
    ):
        raise PermissionDenied
    if action == CampaignAction.APPROVE and not can_approve(user, campaign):
        raise PermissionDenied
    return campaign


def _message(
    user: AnyUser, message_id: int, action: CampaignAction
) -> PreventionMessage:
    message = (
        messages_visible_to(user).select_related("team").filter(pk=message_id).first()
    )
    if message is None:
        raise Http404
    if action != CampaignAction.VIEW and (
        message.team is None or not organisation_can_manage(user, message.team)
    ):
        raise PermissionDenied  # the shared library is read-only
    return message


def campaign_get_for_user(
    *, user: AnyUser, campaign_id: int, action: CampaignAction = CampaignAction.VIEW
) -> Campaign:
    """campaign_access for a campaign, typed."""
    return _campaign(user, campaign_id, action)


def message_get_for_user(
    *, user: AnyUser, message_id: int, action: CampaignAction = CampaignAction.VIEW
) -> PreventionMessage:
    """campaign_access for a library message, typed."""
    return _message(user, message_id, action)
