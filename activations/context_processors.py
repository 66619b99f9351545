"""What the main navigation offers a signed-in person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from activations.models import OrganisationMember


def _nav(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    if not user.is_authenticated:
        return {"partners": False, "agreements": False, "shifts": False}
    roles = set(
        OrganisationMember.objects.filter(user=user).values_list("role", flat=True)
    )
    coordinator = OrganisationMember.Role.COORDINATOR in roles
    return {
        "partners": coordinator or user.is_staff,
        "agreements": coordinator or OrganisationMember.Role.LIAISON in roles,
        # shifts are for VOST volunteers, not for the authority's people
        "shifts": bool(roles - {OrganisationMember.Role.LIAISON}) or not roles,
    }


def nav(request: HttpRequest) -> dict[str, Any]:
    """Partners for coordinators (and staff), agreements for coordinators and liaisons.

    Lazy: one query, only on pages that render the navigation.
    """
    return {"nav": SimpleLazyObject(lambda: _nav(request))}
