"""The map page, its per-viewport data and popups: roles, liaisons, clustering, bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from mapping.selectors.viewport import ITEMS_MAX
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_map_item,
    make_member,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
WORLD = {"bbox": "-180,-85,180,85", "zoom": "3"}
MONTPELLIER = {"bbox": "3.7,43.5,4.0,43.7", "zoom": "12"}
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _login(client, activation, role):
    user = make_member(activation, role).user
    client.force_login(user)
    return user


PAGES = {
    "map": lambda a, item: reverse("mapping:map", args=[a.slug]),
    "map-data": lambda a, item: (
        reverse("mapping:map-data", args=[a.slug]) + "?bbox=-10,40,10,50&zoom=5"
    ),
    "map-item": lambda a, item: reverse(
        "mapping:map-item", args=[a.slug, item.cluster_id]
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given a verified item (every role may see it)
    item = make_map_item(activation)
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    # when
    response = client.get(PAGES[page](activation, item))
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif Action.VIEW_MAP in ROLE_ACTIONS[who]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_unsafe_methods_are_refused(client, activation):
    _login(client, activation, Role.COORDINATOR)
    for name in ("map", "map-data"):
        response = client.post(reverse(f"mapping:{name}", args=[activation.slug]))
        assert response.status_code == 405


def test_another_activations_item_is_not_found(client, activation):
    # given an item in another activation the user is not in
    other = ActivationFactory()
    foreign = make_map_item(other)
    _login(client, activation, Role.COORDINATOR)
    # when / then (IDOR)
    url = reverse("mapping:map-item", args=[activation.slug, foreign.cluster_id])
    assert client.get(url).status_code == 404


def test_the_page_carries_its_configuration_and_legend(client, activation):
    _login(client, activation, Role.VOLUNTEER)
    response = client.get(reverse("mapping:map", args=[activation.slug]))
    html = response.content.decode()
    assert 'id="opmap-config"' in html
    config = response.context["map_config"]
    assert config["data"] == reverse("mapping:map-data", args=[activation.slug])
    assert config["area"]["type"] == "MultiPolygon"
    assert "infrastructure" in config["colours"]
    assert 'name="verification"' in html  # the team filters by verification
    assert "<script>" not in html.split('id="opmap-config"')[1].split("</script>")[0]


def test_items_mode_returns_each_item_with_its_style(client, activation):
    # given
    verified = make_map_item(activation, urgent=True)
    pending = make_map_item(activation, verification="unchecked", lon=3.9)
    make_map_item(activation, lon=-1.55, lat=47.21)  # Nantes: out of view
    _login(client, activation, Role.VOLUNTEER)
    # when
    data = client.get(
        reverse("mapping:map-data", args=[activation.slug]), MONTPELLIER
    ).json()
    # then
    assert data["mode"] == "items"
    assert data["total"] == 2
    rows = {row[0]: row for row in data["items"]}
    assert rows[verified.cluster_id][3:] == ["infrastructure", "verified", True]
    assert rows[pending.cluster_id][4] == "unchecked"
    assert rows[verified.cluster_id][1:3] == pytest.approx([3.8767, 43.6108])


def test_many_items_come_back_as_clusters_that_add_up(client, activation):
    # given more items than the map shows one by one, in two towns
    for i in range(ITEMS_MAX + 20):
        make_map_item(activation, lon=3.87 + (i % 7) * 1e-3, lat=43.61)
    for _ in range(5):
        make_map_item(activation, lon=-1.55, lat=47.21, category="request", urgent=True)
    _login(client, activation, Role.VOLUNTEER)
    # when
    data = client.get(reverse("mapping:map-data", args=[activation.slug]), WORLD).json()
    # then
    assert data["mode"] == "clusters"
    assert data["total"] == ITEMS_MAX + 25
    assert sum(c[2] for c in data["clusters"]) == ITEMS_MAX + 25
    nantes = next(c for c in data["clusters"] if c[2] == 5)
    assert nantes[3] == "request"
    assert nantes[4] == 5
    assert nantes[:2] == pytest.approx([-1.55, 47.21], abs=1e-4)


def test_filters_narrow_the_data(client, activation):
    # given
    now = timezone.now()
    make_map_item(activation, category="request", platform="x")
    make_map_item(activation, category="caution", urgent=True)
    make_map_item(activation, observed_at=now - dt.timedelta(hours=30))
    make_map_item(activation, verification="false")
    _login(client, activation, Role.TEAM_LEAD)
    url = reverse("mapping:map-data", args=[activation.slug])

    def total(**params):
        return client.get(url, {**MONTPELLIER, **params}).json()["total"]

    # then
    assert total() == 4
    assert total(category=["request", "caution"]) == 2
    assert total(platform="x") == 1
    assert total(urgent="on") == 1
    assert total(hours=24) == 3
    assert total(verification="false") == 1


def test_liaisons_see_verified_items_only(client, activation):
    # given
    verified = make_map_item(activation)
    pending = make_map_item(activation, verification="in_progress")
    _login(client, activation, Role.LIAISON)
    # when
    data = client.get(
        reverse("mapping:map-data", args=[activation.slug]),
        {**MONTPELLIER, "verification": ["in_progress", "verified"]},
    ).json()
    popup = client.get(
        reverse("mapping:map-item", args=[activation.slug, pending.cluster_id])
    )
    page = client.get(reverse("mapping:map", args=[activation.slug]))
    # then
    assert [row[0] for row in data["items"]] == [verified.cluster_id]
    assert popup.status_code == 404
    assert 'name="verification"' not in page.content.decode()
    shown = client.get(
        reverse("mapping:map-item", args=[activation.slug, verified.cluster_id])
    ).json()
    assert shown["post_url"] == ""  # the author's post is not for the authority
    assert shown["case"] is None
    assert shown["item_url"] == ""


def test_the_popup_gives_plain_text_and_links_for_the_team(client, activation):
    # given an item with hostile text
    item = make_map_item(activation, summary=XSS, urgent=True, place_name="Lattes")
    _login(client, activation, Role.VOLUNTEER)
    # when
    response = client.get(
        reverse("mapping:map-item", args=[activation.slug, item.cluster_id])
    )
    # then
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["summary"] == XSS  # as text: the script never parses it as HTML
    assert data["urgent"] is True
    assert data["verification"] == "verified"
    assert data["place"] == "Lattes"
    assert data["item_url"] == reverse(
        "monitoring:triage-item", args=[activation.slug, item.cluster_id]
    )
    assert data["post_url"].startswith("https://mastodon.example/")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"bbox": "1,2,3", "zoom": "5"},
        {"bbox": "a,b,c,d", "zoom": "5"},
        {"bbox": "10,40,-10,50", "zoom": "5"},
        {"bbox": "-10,40,10,50", "zoom": "99"},
        {"bbox": "nan,40,10,50", "zoom": "5"},
        {"bbox": "-10,40,10,50", "zoom": "5", "hours": "17"},
        {"bbox": "-10,40,10,50", "zoom": "5", "category": "<script>"},
    ],
)
def test_bad_viewports_and_filters_get_a_clear_400(client, activation, params, caplog):
    _login(client, activation, Role.VOLUNTEER)
    response = client.get(reverse("mapping:map-data", args=[activation.slug]), params)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert "map data: bad" in caplog.text


# --- the same data through the API ----------------------------------------------------
@pytest.mark.parametrize("who", WHO)
def test_api_role_matrix(client, activation, who):
    from rest_framework.test import APIClient

    make_map_item(activation)
    actor = _actor(who, activation)
    api = APIClient()
    if actor is not None:
        api.force_authenticate(actor)
    response = api.get(
        reverse("api-map-data", args=[activation.slug]),
        {"bbox": "-10,40,10,50", "zoom": 5},
    )
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "non-member":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert response.json()["total"] == 1


def test_api_refuses_a_bad_viewport_with_the_house_error(activation):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_member(activation, Role.VOLUNTEER).user)
    response = api.get(
        reverse("api-map-data", args=[activation.slug]), {"bbox": "1,2", "zoom": 5}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
