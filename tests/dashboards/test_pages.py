"""The dashboard page, its htmx fragment and its API: access, escaping, bad input."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Cluster, Escalation
from tests.activations.api_support import assert_error, client_as
from tests.factories import ALL_ROLES, UserFactory, make_item, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
HOSTILE_PLACE = '<script>alert("x")</script> & "Sète"'


def _url(activation, **query):
    url = reverse("dashboards:dashboard", args=[activation.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _api(activation, **query):
    url = reverse("api-dashboard", args=[activation.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("htmx", [False, True])
def test_role_matrix_of_the_page(client, activation, who, htmx):
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(_url(activation), headers=headers)
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif Action.VIEW_DASHBOARD in ROLE_ACTIONS[who]:
        assert response.status_code == 200
    else:
        assert who == Role.LIAISON
        assert response.status_code == 403


@pytest.mark.parametrize("who", WHO)
def test_role_matrix_of_the_api(activation, who):
    response = client_as(_actor(who, activation)).get(_api(activation))
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif Action.VIEW_DASHBOARD in ROLE_ACTIONS[who]:
        assert response.status_code == 200
        assert response.json()["hours"] == 24
    else:
        assert who == Role.LIAISON
        assert_error(response, 403)


def test_the_page_shows_big_numbers_charts_and_a_live_fragment(activation):
    # given
    make_item(activation, priority=0.9, category="request", text="Besoin d'aide")
    viewer = make_member(activation, Role.OBSERVER).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    # when
    page = client.get(_url(activation)).content.decode()
    fragment = client.get(_url(activation, hours=72), headers={"HX-Request": "true"})
    # then
    assert 'class="big-numbers"' in page
    assert page.count('<svg class="chart-svg"') >= 4
    assert "Posts per hour by category" in page
    assert "#d62728" in page  # the colour of requests
    assert 'hx-trigger="every 30s"' in page
    assert "<script>" not in page.split("</head>")[1].replace("<script src", "")
    assert " style=" not in page
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert body.lstrip().startswith('<div id="dashboard-figures"')
    assert "hours=72" in body
    assert "<html" not in body
    assert "HX-Request" in fragment["Vary"]


def test_the_svg_escapes_hostile_labels(activation, client):
    # given a place name and an escalation summary written to break out
    item = make_item(
        activation, place_name=HOSTILE_PLACE, text="<img src=x onerror=alert(1)> #crue"
    )
    Cluster.objects.filter(pk=item.pk).update(status="done")
    Escalation.objects.create(
        activation=activation,
        cluster=item,
        raised_by=make_member(activation, Role.TEAM_LEAD).user,
        summary='</svg><script>alert("esc")</script>',
    )
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    # when
    body = client.get(_url(activation)).content.decode()
    # then the labels are there, escaped, in the SVG and its tables
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Sète&quot;"
        in body
    )
    assert '<script>alert("x")' not in body
    assert '<script>alert("esc")' not in body
    assert "&lt;/svg&gt;&lt;script&gt;" in body
    assert "<img src=x" not in body


def test_an_unknown_window_is_explained_and_the_default_shown(
    activation, client, caplog
):
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    response = client.get(_url(activation, hours="5<b>"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is no 5&lt;b&gt;-hour view: showing the last 24 hours." in body
    assert "unknown window" in caplog.text


def test_the_api_refuses_an_unknown_window(activation):
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    error = assert_error(api.get(_api(activation, hours=5)), 400)
    assert "hours" in error["details"]


def test_the_api_returns_the_figures(activation):
    # given an open escalation of 10 minutes
    item = make_item(activation, place_name="Lattes", text="Digue rompue #crue")
    Cluster.objects.filter(pk=item.pk).update(status="done", decision="urgent")
    escalation = Escalation.objects.create(
        activation=activation,
        cluster=item,
        raised_by=make_member(activation, Role.TEAM_LEAD).user,
        summary="Digue",
    )
    Escalation.objects.filter(pk=escalation.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    api = client_as(make_member(activation, Role.OBSERVER).user)
    # when
    body = api.get(_api(activation, hours=72)).json()
    # then
    assert body["hours"] == 72
    assert len(body["buckets"]) == 72
    assert body["volume"]["total"] == 1
    assert body["volume"]["by_platform"][0]["key"] == "mastodon"
    assert body["volume"]["by_platform"][0]["total"] == 1
    assert body["funnel"]["relevant_items"] == 1
    assert body["top_places"] == [{"label": "Lattes", "count": 1}]
    assert {"label": "#crue", "count": 1} in body["top_terms"]
    assert body["escalations"]["open_now"] == 1
    assert 595 <= body["escalations"]["oldest_open"][0]["age_seconds"] <= 700


def test_the_api_is_documented(client, user):
    client.force_login(user)
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/activations/{slug}/dashboard/" in schema
    assert "DashboardFigures" in schema
