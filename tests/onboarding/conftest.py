"""Fixtures of the onboarding tests: a VOST team with a coordinator and a volunteer."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from activations.models import OrganisationMember
from tests.factories import (
    OrganisationMemberFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
)

Role = OrganisationMember.Role


def add_member(team: Any, role: str = Role.MEMBER, **user_fields: Any) -> Any:
    user = UserFactory(**user_fields)
    OrganisationMemberFactory(organisation=team, user=user, role=role)
    return user


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    team = VostTeamFactory(name="ESOV Hérault")
    other_team = VostTeamFactory(name="ESOV Gard")
    coordinator = add_member(team, Role.COORDINATOR, username="coord")
    volunteer = add_member(team, Role.MEMBER, username="vol")
    VolunteerProfileFactory(user=volunteer)
    other_coordinator = add_member(other_team, Role.COORDINATOR, username="othercoord")
    return SimpleNamespace(
        team=team,
        other_team=other_team,
        coordinator=coordinator,
        volunteer=volunteer,
        other_coordinator=other_coordinator,
    )


@pytest.fixture
def client(client: Any) -> Any:
    """Anonymous visitors of the public pages read English here (the site's
    default language is French; the pages are translated, the tests read English)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
