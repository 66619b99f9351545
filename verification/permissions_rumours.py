"""Access to one rumour of the register, reached by its activation and number.

The rule stays the activations one (``activation_get_for_user`` with the action
asked for); the rumour is then looked up inside that activation only, so a
rumour of another activation is a 404 like a missing one (no IDOR).
"""

from __future__ import annotations

from django.http import Http404

from activations.permissions import Action, AnyUser, activation_get_for_user
from verification.models import Rumour


def rumour_get_for_user(
    *, user: AnyUser, slug: str, number: int, action: Action = Action.VIEW_RUMOURS
) -> Rumour:
    """The rumour R`number` of the activation `slug` if the user's role there allows
    `action`; ``rumour.activation`` carries the user's ``viewer_role``."""
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    rumour = (
        Rumour.objects.filter(activation=activation, number=number)
        .select_related("created_by", "counter_submitted_by", "counter_decided_by")
        .first()
    )
    if rumour is None:
        raise Http404
    rumour.activation = activation
    return rumour
