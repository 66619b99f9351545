"""Who may open what: every onboarding page and endpoint for an anonymous visitor, a
volunteer of the team, the coordinator of another team and the team's coordinator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from onboarding import services
from onboarding.models import Application, Invitation, TrainingRecord

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "volunteer", "other_coordinator", "coordinator"]


def _objects(world):
    invitation, token = services.invitation_create(
        team=world.team, email="x@example.org", invited_by=world.coordinator
    )
    application = services.application_submit(
        team=world.team, name="A", email="a@example.org", motivation="m"
    )
    record = services.training_record_save(
        team=world.team,
        by=world.coordinator,
        user=world.volunteer,
        kind="course",
        title="t",
        date=dt.date(2026, 1, 1),
    )
    return invitation, token, application, record


# name -> (method, args builder, payload, status for the coordinator)
PAGES = {
    "home": ("get", lambda w, o: [], None, 200),
    "invite": ("post", lambda w, o: [w.team.pk], {"email": "n@example.org"}, 302),
    "invitation-revoke": ("post", lambda w, o: [w.team.pk, o[0].pk], {}, 302),
    "application-approve": ("post", lambda w, o: [w.team.pk, o[2].pk], {}, 302),
    "application-reject": (
        "post",
        lambda w, o: [w.team.pk, o[2].pk],
        {"reason": "r"},
        302,
    ),
    "training": ("get", lambda w, o: [w.team.pk], None, 200),
    "training-edit": ("get", lambda w, o: [w.team.pk, o[3].pk], None, 200),
    "readiness": ("get", lambda w, o: [w.team.pk], None, 200),
}


def _state():
    return (
        list(Invitation.objects.values_list("pk", "revoked_at", "used_at")),
        list(Application.objects.values_list("pk", "status")),
        list(TrainingRecord.objects.values_list("pk", "title")),
    )


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(PAGES))
def test_coordinator_pages_matrix(world, client, who, name):
    # given
    method, args, payload, ok = PAGES[name]
    objects = _objects(world)
    url = reverse(f"onboarding:{name}", args=args(world, objects))
    if name == "home":
        url += f"?team={world.team.pk}"
    if who != "anonymous":
        client.force_login(getattr(world, who))
    before = _state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "volunteer":
        assert response.status_code == 403
    elif who == "other_coordinator":
        # the other team is invisible to them: same answer as a missing one
        assert response.status_code == 404
    else:
        assert response.status_code == ok
        return
    assert _state() == before


def test_home_without_team_shows_the_first_coordinated_team(world, client):
    client.force_login(world.other_coordinator)
    response = client.get(reverse("onboarding:home"))
    assert response.status_code == 200
    assert world.other_team.name in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_my_training_needs_a_login_only(world, client, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))
    response = client.get(reverse("onboarding:my-training"))
    if who == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("who", WHO)
def test_public_pages_open_to_everyone(world, client, who):
    _invitation, token, _application, _record = _objects(world)
    if who != "anonymous":
        client.force_login(getattr(world, who))
    for url in (
        reverse("onboarding:accept", args=[token]),
        reverse("onboarding:apply", args=[world.team.pk]),
        reverse("onboarding:apply-sent", args=[world.team.pk]),
    ):
        assert client.get(url).status_code == 200, url
