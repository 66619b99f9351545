"""Who takes part in an activation, and the volunteer charter."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    LogEntry,
    OrganisationMember,
    VolunteerProfile,
)
from activations.services._common import CHARTER_VERSION, log
from audit import services as audit
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


def charter_accept(*, user: User, version: str = CHARTER_VERSION) -> VolunteerProfile:
    profile, _created = VolunteerProfile.objects.get_or_create(user=user)
    profile.charter_version = version
    profile.charter_accepted_at = timezone.now()
    profile.save(update_fields=["charter_version", "charter_accepted_at", "updated_at"])
    return profile


@transaction.atomic
def activation_member_set(
    *, by: User, activation: Activation, user: User, role: str
) -> ActivationMember:
    """Give a person a role in the activation, if the rules allow it."""
    if role not in ActivationMember.Role.values:
        raise DomainError(_("Unknown role."))
    if not activation.is_open:
        raise DomainError(_("This activation is closed."))
    if role == ActivationMember.Role.LIAISON:
        if not OrganisationMember.objects.filter(
            user=user, organisation=activation.authority_id
        ).exists():
            raise DomainError(
                _("A liaison must belong to the requesting authority (%(authority)s).")
                % {"authority": activation.authority}
            )
    else:
        teams = [
            activation.lead_team_id,
            *activation.supporting_teams.values_list("pk", flat=True),
        ]
        in_team = (
            OrganisationMember.objects.filter(user=user, organisation__in=teams)
            .exclude(role=OrganisationMember.Role.LIAISON)
            .exists()
        )
        if not in_team and role != ActivationMember.Role.OBSERVER:
            raise DomainError(
                _("%(user)s is not in a VOST team of this activation.") % {"user": user}
            )
        profile = VolunteerProfile.objects.filter(user=user).first()
        if in_team and (profile is None or not profile.charter_accepted):
            raise DomainError(
                _("%(user)s has not accepted the volunteer charter yet.")
                % {"user": user}
            )
    member, created = ActivationMember.objects.update_or_create(
        activation=activation, user=user, defaults={"role": role, "added_by": by}
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.MEMBERSHIP,
        text=(
            _("%(user)s joins as %(role)s.")
            if created
            else _("%(user)s is now %(role)s.")
        )
        % {"user": user, "role": member.get_role_display()},
    )
    audit.record(
        action=audit.Action.PERMISSION_CHANGE,
        actor=by,
        activation=activation,
        obj=member,
        summary=f"activation member user={user.pk} role={role} "
        + ("added" if created else "changed"),
    )
    return member


@transaction.atomic
def activation_member_remove(*, by: User, activation: Activation, user: User) -> None:
    deleted, _unused = ActivationMember.objects.filter(
        activation=activation, user=user
    ).delete()
    if deleted:
        log(
            activation=activation,
            author=by,
            kind=LogEntry.Kind.MEMBERSHIP,
            text=_("%(user)s leaves the activation.") % {"user": user},
        )
        audit.record(
            action=audit.Action.PERMISSION_CHANGE,
            actor=by,
            activation=activation,
            object_type="activations.activationmember",
            summary=f"activation member user={user.pk} removed",
        )
