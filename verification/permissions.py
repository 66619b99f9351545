"""Access to a verification case, and who may act as its second reviewer.

The rule stays the activations one: the activation comes from
``activation_get_for_user`` with the action asked for (404 for a stranger, 403 for
the wrong role), and the case is looked up *inside* that activation, so a case
number of another activation is a 404 (no IDOR through the number).
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import User
from activations.models import Activation, ActivationMember, Skill, VolunteerProfile
from activations.permissions import (
    Action,
    AnyUser,
    activation_get_for_user,
    activation_role,
)
from verification.models import Case

Role = ActivationMember.Role

# Roles that may always be the second reviewer of a verdict; volunteers need the
# verification skill in their profile.
REVIEWER_ROLES = frozenset({Role.COORDINATOR, Role.TEAM_LEAD})
# Roles that may reopen a closed case, assign others, or withdraw anyone's proposal.
LEAD_ROLES = REVIEWER_ROLES


def case_get_for_user(
    *, user: AnyUser, slug: str, number: int, action: Action = Action.VIEW_CASES
) -> tuple[Activation, Case]:
    """The activation (with ``viewer_role``) and its case number `number`.

    Missing, not a member, or a number that belongs to no case of *this*
    activation: Http404; a member whose role lacks `action`: PermissionDenied.
    """
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    case = (
        Case.objects.select_related(
            "post",
            "cluster",
            "opened_by",
            "assigned_to",
            "proposed_by",
            "reviewed_by",
        )
        .filter(activation=activation, number=number)
        .first()
    )
    if case is None:
        raise Http404
    case.activation = activation
    return activation, case


def user_has_verification_skill(user: AnyUser) -> bool:
    if not isinstance(user, User):
        return False
    return VolunteerProfile.objects.filter(
        user=user, skills__contains=[Skill.VERIFICATION]
    ).exists()


def case_can_review(*, user: AnyUser, activation: Activation) -> bool:
    """Whether `user` may confirm or send back verdicts in `activation`: a coordinator
    or team lead, or a volunteer with the verification skill (whatever the case)."""
    role = activation_role(user=user, activation=activation)
    if role in REVIEWER_ROLES:
        return True
    return role == Role.VOLUNTEER and user_has_verification_skill(user)


def case_is_lead(*, user: AnyUser, activation: Activation) -> bool:
    """Coordinators and team leads: reopen cases, assign others, withdraw proposals."""
    return activation_role(user=user, activation=activation) in LEAD_ROLES
