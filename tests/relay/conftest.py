"""Relay fixtures: no platform credentials unless a test asks for the fake ones."""

import pytest

from activations.models import ActivationMember
from relay import services
from relay.models import Channel
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
def lead(activation):
    return make_member(activation, ActivationMember.Role.TEAM_LEAD).user


@pytest.fixture
def liaison(activation):
    return make_member(activation, ActivationMember.Role.LIAISON).user


@pytest.fixture
def channels(activation, lead):
    """The activation relays to the three platforms."""
    services.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (True, "#Crue34") for c in Channel},
        handles=["prefet34@mastodon.social"],
    )


@pytest.fixture
def eager(monkeypatch):
    """Celery tasks run in place (unit tests; tests/relay/test_worker.py uses a real worker)."""
    from vost.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
