"""Rumour register API: role matrix for every endpoint, IDOR, the counter-message
flow end to end, refusals that change nothing, the schema."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Post
from tests.activations.api_support import WHO, actor_for, assert_error, call, client_as
from tests.factories import ActivationFactory, make_item, make_member
from tests.verification.test_rumours_views import _rumour, state
from verification.api.rumours import urlpatterns as rumour_api_urls
from verification.models import Case, Rumour

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Counter = Rumour.CounterStatus


def _api(name, rumour):
    return reverse(name, args=[rumour.activation.slug, rumour.number])


# name -> (method, action, ok, counter step needed, payload(rumour))
ENDPOINTS = {
    "api-rumour-list GET": ("get", Action.VIEW_RUMOURS, 200, "", None),
    "api-rumour-list POST": (
        "post",
        Action.MANAGE_RUMOURS,
        201,
        "",
        lambda r: {"claim": "Nouvelle", "cluster_ids": [make_item(r.activation).pk]},
    ),
    "api-rumour-detail": ("get", Action.VIEW_RUMOURS, 200, "", None),
    "api-rumour-status": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        "",
        lambda r: {"status": "verifying", "version": r.version},
    ),
    "api-rumour-link": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        "",
        lambda r: {"cluster_ids": [make_item(r.activation).pk]},
    ),
    "api-rumour-unlink": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        "",
        lambda r: {"cluster_ids": [r.clusters.get().pk]},
    ),
    "api-rumour-counter-save": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        "",
        lambda r: {"text": "Démenti", "version": r.version},
    ),
    "api-rumour-counter-submit": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        Counter.DRAFT,
        lambda r: {"version": r.version},
    ),
    "api-rumour-counter-withdraw": (
        "post",
        Action.MANAGE_RUMOURS,
        200,
        Counter.SUBMITTED,
        lambda r: {"version": r.version},
    ),
    "api-rumour-counter-decide": (
        "post",
        Action.APPROVE_COUNTER_MESSAGE,
        200,
        Counter.SUBMITTED,
        lambda r: {"approve": True, "version": r.version},
    ),
    "api-rumour-relay-add": (
        "post",
        Action.MANAGE_RUMOURS,
        201,
        Counter.APPROVED,
        lambda r: {
            "channel": "bluesky",
            "link": "https://bsky.app/profile/sdis/post/1",
        },
    ),
}


def _endpoint_url(name, rumour):
    name = name.split(" ")[0]
    if name == "api-rumour-list":
        return reverse(name, args=[rumour.activation.slug])
    return _api(name, rumour)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, who, endpoint):
    # given
    method, action, ok, counter, payload = ENDPOINTS[endpoint]
    rumour = _rumour(activation, counter)
    data = payload(rumour) if payload else None
    api = client_as(actor_for(who, activation, member_factory))
    before = state()
    # when
    response = call(api, method, _endpoint_url(endpoint, rumour), data)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content
        if method == "post":
            assert state() != before
        return
    else:
        assert_error(response, 403)
    assert state() == before


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if not e.startswith("api-rumour-list")]
)
def test_a_rumour_of_another_activation_is_a_404(activation, endpoint):
    method, action, _ok, counter, payload = ENDPOINTS[endpoint]
    role = (
        Role.LIAISON if action == Action.APPROVE_COUNTER_MESSAGE else Role.COORDINATOR
    )
    api = client_as(make_member(activation, role).user)
    _rumour(activation)
    theirs = _rumour(ActivationFactory(), counter)
    data = payload(theirs) if payload else None
    before = state()
    name = endpoint.split(" ")[0]
    for url in (_api(name, theirs), reverse(name, args=[activation.slug, 2])):
        assert_error(call(api, method, url, data), 404)
    assert state() == before


def test_link_refuses_items_and_cases_of_another_activation(activation):
    rumour = _rumour(activation)
    api = client_as(rumour.created_by)
    other = ActivationFactory()
    foreign_item = make_item(other)
    Case.objects.create(
        activation=other, number=7, claim="x", opened_by=rumour.created_by
    )
    before = state()
    error = assert_error(
        call(
            api,
            "post",
            _api("api-rumour-link", rumour),
            {"cluster_ids": [foreign_item.pk]},
        ),
        400,
        "item_not_in_activation",
    )
    assert f"#{foreign_item.pk}" in error["message"]
    error = assert_error(
        call(api, "post", _api("api-rumour-link", rumour), {"case_numbers": [7]}), 400
    )
    assert error["details"] == {"case_numbers": ["No case #7 in this activation."]}
    assert state() == before


def test_the_whole_flow_through_the_api(activation):
    # given a team lead and the authority's liaison
    lead = make_member(activation, Role.TEAM_LEAD).user
    liaison = make_member(activation, Role.LIAISON).user
    x_item = make_item(activation, copies=2)
    Post.objects.filter(cluster=x_item).update(platform="x")
    bsky = make_item(activation, url="https://bsky.app/profile/b/post/1")
    team, authority = client_as(lead), client_as(liaison)
    # when the lead records a rumour from an item id and a post link
    response = call(
        team,
        "post",
        reverse("api-rumour-list", args=[activation.slug]),
        {
            "claim": "Le barrage a cédé",
            "cluster_ids": [x_item.pk],
            "post_urls": ["https://bsky.app/profile/b/post/1"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 1
    assert sorted(i["cluster_id"] for i in body["items"]) == sorted(
        [x_item.pk, bsky.pk]
    )
    assert {p["platform"] for p in body["reach"]["platforms"]} == {"x", "mastodon"}
    assert sum(p["posts"] for p in body["reach"]["points"]) == 3
    rumour = Rumour.objects.get(activation=activation, number=1)
    # drafts and submits
    body = call(
        team,
        "post",
        _api("api-rumour-counter-save", rumour),
        {"text": "Faux.", "version": 1},
    ).json()
    body = call(
        team,
        "post",
        _api("api-rumour-counter-submit", rumour),
        {"version": body["version"]},
    ).json()
    assert body["counter_status"] == "submitted"
    # the liaison sees it without handles, and approves
    seen = authority.get(_api("api-rumour-detail", rumour)).json()
    authors = {p["author"] for i in seen["items"] for p in i["posts"]}
    assert authors == {"account 1", "account 2", "account 3"}
    assert {p["url"] for i in seen["items"] for p in i["posts"]} == {""}
    assert seen["notes"] == ""
    assert seen["cases"] == []
    assert [e["kind"] for e in seen["events"]] == ["counter_submitted"]
    body = call(
        authority,
        "post",
        _api("api-rumour-counter-decide", rumour),
        {"approve": True, "note": "OK", "version": seen["version"]},
    ).json()
    assert body["counter_status"] == "approved"
    # a second decision is a conflict naming the first
    error = assert_error(
        call(
            authority,
            "post",
            _api("api-rumour-counter-decide", rumour),
            {"approve": False, "note": "Non", "version": seen["version"]},
        ),
        409,
        "already_decided",
    )
    assert "already approved by" in error["message"]
    # the lead records the relay, once
    relay = {"channel": "x", "link": "https://x.com/sdis34/status/77"}
    response = call(team, "post", _api("api-rumour-relay-add", rumour), relay)
    assert response.status_code == 201
    assert response.json()["recorded_by"]["id"] == lead.pk
    assert_error(
        call(team, "post", _api("api-rumour-relay-add", rumour), relay),
        400,
        "duplicate_relay",
    )
    detail = team.get(_api("api-rumour-detail", rumour) + "?bucket=day").json()
    assert detail["reach"]["bucket"] == "day"
    assert [r["link"] for r in detail["relays"]] == [relay["link"]]
    listed = team.get(
        reverse("api-rumour-list", args=[activation.slug]) + "?status=detected"
    ).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert (row["items_count"], row["posts_count"], row["relays_count"]) == (2, 3, 1)
    assert sorted(row["platforms"]) == ["mastodon", "x"]


def test_stale_version_is_409_and_changes_nothing(activation):
    rumour = _rumour(activation)
    api = client_as(rumour.created_by)
    call(
        api,
        "post",
        _api("api-rumour-status", rumour),
        {"status": "verifying", "version": 1},
    )
    before = state()
    assert_error(
        call(
            api,
            "post",
            _api("api-rumour-status", rumour),
            {"status": "debunked", "version": 1},
        ),
        409,
        "conflict",
    )
    assert_error(
        call(
            api,
            "post",
            _api("api-rumour-counter-save", rumour),
            {"text": "x", "version": 1},
        ),
        409,
        "conflict",
    )
    assert state() == before


def test_relay_before_approval_is_400(activation):
    rumour = _rumour(activation, Counter.SUBMITTED)
    api = client_as(rumour.created_by)
    before = state()
    assert_error(
        call(
            api,
            "post",
            _api("api-rumour-relay-add", rumour),
            {"channel": "x", "link": "https://x.com/a/status/1"},
        ),
        400,
        "not_approved",
    )
    assert state() == before


def test_bad_bucket_is_400(activation):
    rumour = _rumour(activation)
    api = client_as(rumour.created_by)
    assert_error(api.get(_api("api-rumour-detail", rumour) + "?bucket=week"), 400)


def test_every_rumour_api_path_is_in_the_schema(client, user):
    client.force_login(user)
    document = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    paths = {
        "/api/v1/"
        + str(p.pattern).replace("<slug:", "{").replace("<int:", "{").replace(">", "}")
        for p in rumour_api_urls
    }
    assert len(paths) == 10
    assert paths <= set(document["paths"])
    ids = [
        op["operationId"]
        for path in paths
        for method, op in document["paths"][path].items()
        if method in {"get", "post"}
    ]
    assert len(ids) == len(set(ids)) == 11
    assert all(p.name.startswith("api-rumour-") for p in rumour_api_urls)


def test_schema_has_no_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yaml"),
    )
