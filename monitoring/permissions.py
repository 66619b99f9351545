"""Access to monitoring objects: a source reached by its id alone (the API's
``sources/<id>/``) and an activation's escalations.

The rule stays the activations one: the source's activation is fetched through
``activation_get_for_user`` with the action asked for, so a missing source and a
source of someone else's activation both raise Http404, the wrong role
PermissionDenied.
"""

from __future__ import annotations

from django.http import Http404

from activations.permissions import Action, AnyUser, activation_get_for_user
from monitoring.models import Escalation, Source


def source_get_for_user(
    *, user: AnyUser, source_id: int, action: Action = Action.VIEW_POSTS
) -> Source:
    """The source, with ``source.activation`` carrying the user's ``viewer_role``."""
    slug = (
        Source.objects.filter(pk=source_id)
        .values_list("activation__slug", flat=True)
        .first()
    )
    if slug is None:
        raise Http404
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    source = Source.objects.get(pk=source_id)
    source.activation = activation
    return source


def escalation_get_for_user(
    *,
    user: AnyUser,
    slug: str,
    escalation_id: int,
    action: Action = Action.VIEW_ESCALATIONS,
) -> Escalation:
    """The escalation, if it belongs to activation `slug` and the user's role there
    allows `action`: missing, another activation's or not a member → Http404, wrong
    role → PermissionDenied. ``escalation.activation`` carries ``viewer_role``."""
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    from monitoring.escalations import escalation_list

    escalation = escalation_list(activation=activation).filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404
    escalation.activation = activation
    return escalation
