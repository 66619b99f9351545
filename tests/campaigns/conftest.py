"""Campaigns fixtures: a team, its authority, a coordinator and a liaison; no
platform credentials unless a test asks for the fake platforms."""

import datetime as dt

import pytest
from django.utils import timezone

from activations.models import ActivationMember
from campaigns import services
from campaigns.models import PreventionMessage
from tests.factories import make_member
from tests.relay import fake_platforms

NAMES = [
    "VOST_RELAY_MASTODON_URL",
    "VOST_RELAY_MASTODON_TOKEN",
    "VOST_RELAY_BLUESKY_PDS",
    "VOST_RELAY_BLUESKY_HANDLE",
    "VOST_RELAY_BLUESKY_APP_PASSWORD",
    "VOST_RELAY_X_API_URL",
    "VOST_RELAY_X_BEARER_TOKEN",
]


@pytest.fixture(autouse=True)
def _no_credentials(settings):
    for name in NAMES:
        setattr(settings, name, "")


@pytest.fixture
def fake(settings):
    with fake_platforms.running() as server:
        fake_platforms.configure(settings, server)
        yield server


@pytest.fixture
def coordinator(activation):
    return make_member(activation, ActivationMember.Role.COORDINATOR).user


@pytest.fixture
def liaison(activation):
    return make_member(activation, ActivationMember.Role.LIAISON).user


@pytest.fixture
def flood_fr(db):
    return PreventionMessage.objects.get(team=None, risk="flood", language="fr")


def soon(minutes: int = 30) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.fixture
def make_campaign(activation, coordinator, flood_fr):
    def make(*, channels=("mastodon",), times=None, messages=None, title="Crues"):
        return services.campaign_create(
            team=activation.lead_team,
            agreement=activation.agreement,
            by=coordinator,
            title=title,
            messages=messages or [flood_fr],
            channels=list(channels),
            times=times or [soon()],
        )

    return make


def make_due(campaign) -> None:
    """Move the campaign's posts into the past: they are due."""
    now = timezone.now()
    for n, post in enumerate(campaign.posts.order_by("pk"), start=1):
        post.scheduled_at = now - dt.timedelta(minutes=n)
        post.save(update_fields=["scheduled_at"])


@pytest.fixture(autouse=True)
def _shared_library(db: None) -> None:
    """The shared prevention messages come from a data migration, which the
    transactional tests of other apps flush: seed them again (idempotent)."""
    import importlib

    from django.apps import apps

    importlib.import_module("campaigns.migrations.0002_seed_prevention_messages").seed(
        apps, None
    )
