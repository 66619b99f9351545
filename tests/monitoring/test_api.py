"""Monitoring API: posts of an activation, its sources, one source."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Cluster, Platform, Post, Source
from tests.activations.api_support import assert_error, call, client_as
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.monitoring.pages_support import (
    FAKE_SECRET,
    INSIDE,
    OUTSIDE,
    ingest,
    make_source,
    monitoring_state,
    raw_post,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
VALID_SOURCE = {
    "platform": "mastodon",
    "name": "Mastodon #inondation",
    "params": {"instance": "https://mastodon.social", "hashtag": "inondation"},
    "credentials_env": "MASTODON_TOKEN",
    "interval_seconds": 60,
}


def _posts_url(activation):
    return reverse("api-post-list", args=[activation.slug])


def _sources_url(activation):
    return reverse("api-source-list", args=[activation.slug])


def _source_url(source):
    return reverse("api-source-detail", args=[source.pk])


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


# --- role matrix ---------------------------------------------------------------------
ENDPOINTS = {
    "posts GET": ("get", Action.VIEW_POSTS, 200, lambda a, s: (_posts_url(a), None)),
    "sources GET": (
        "get",
        Action.VIEW_POSTS,
        200,
        lambda a, s: (_sources_url(a), None),
    ),
    "sources POST": (
        "post",
        Action.MANAGE_SOURCES,
        201,
        lambda a, s: (_sources_url(a), VALID_SOURCE),
    ),
    "source GET": ("get", Action.VIEW_POSTS, 200, lambda a, s: (_source_url(s), None)),
    "source PATCH": (
        "patch",
        Action.MANAGE_SOURCES,
        200,
        lambda a, s: (_source_url(s), {"is_enabled": False}),
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, who, endpoint):
    # given
    method, action, ok, prepare = ENDPOINTS[endpoint]
    source = make_source(activation, name="Flux")
    ingest(activation, [raw_post(1)])
    url, payload = prepare(activation, source)
    api = client_as(_actor(who, activation))
    before = monitoring_state()
    # when
    response = call(api, method, url, payload)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content
        return
    else:
        assert_error(response, 403)
    assert monitoring_state() == before


@pytest.mark.parametrize(
    "url",
    [
        lambda a, s: _posts_url(a),
        lambda a, s: _sources_url(a),
        lambda a, s: _source_url(s),
    ],
    ids=["posts", "sources", "source"],
)
def test_a_liaison_gets_403_on_posts_and_sources(activation, url):
    source = make_source(activation)
    api = client_as(make_member(activation, Role.LIAISON).user)
    assert_error(api.get(url(activation, source)), 403)


def test_missing_things_are_404(activation):
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    assert_error(api.get(reverse("api-post-list", args=["nope"])), 404)
    assert_error(api.get(reverse("api-source-detail", args=[999999])), 404)
    foreign = make_source(ActivationFactory())
    before = monitoring_state()
    assert_error(api.get(_source_url(foreign)), 404)
    assert_error(
        api.patch(_source_url(foreign), {"is_enabled": False}, format="json"), 404
    )
    assert monitoring_state() == before


# --- posts ---------------------------------------------------------------------------------
def test_a_post_has_the_normalised_shape(activation):
    # given an original located in the area, and a repost of it
    posted = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    ingest(
        activation,
        [
            raw_post(
                1,
                text="Pont de Lavalette fermé, eau très haute",
                posted_at=posted,
                geo=INSIDE,
                lang_hint="fr",
            ),
            raw_post(
                2,
                text="RT Pont de Lavalette fermé, eau très haute",
                posted_at=posted + dt.timedelta(minutes=1),
                repost_of_external_id="post-1",
                url="javascript:alert(1)",
            ),
        ],
    )
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    # when
    body = api.get(_posts_url(activation)).json()
    # then
    assert body["count"] == 2
    repost, original = body["results"]
    cluster = Post.objects.get(external_id="post-1").cluster
    assert original == {
        "id": original["id"],
        "platform": "mastodon",
        "external_id": "post-1",
        "url": "https://mastodon.example/@someone/1",
        "author_handle": "@someone1@mastodon.example",
        "author_name": "Someone 1",
        "text": "Pont de Lavalette fermé, eau très haute",
        "lang": "fr",
        "posted_at": "2026-03-01T11:00:00+01:00",
        "received_at": original["received_at"],
        "location": {"type": "Point", "coordinates": [3.88, 43.61]},
        "location_source": "platform",
        "place_name": "",
        "in_area": True,
        "category": original["category"],
        "priority": original["priority"],
        "cluster": {"id": cluster.pk, "size": 2, "status": "new"},
        "repost_of": None,
        "is_official": False,
    }
    assert repost["repost_of"] == "post-1"
    assert repost["url"] == ""  # a javascript: link is never handed out
    assert repost["cluster"]["id"] == cluster.pk


def test_posts_without_location_have_null_location(activation):
    ingest(activation, [raw_post(1, text="Rien à signaler ici")])
    api = client_as(make_member(activation, Role.OBSERVER).user)
    post = api.get(_posts_url(activation)).json()["results"][0]
    assert post["location"] is None
    assert post["in_area"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"platform": "bluesky"}, {"post-2"}),
        ({"category": "official"}, {"post-3"}),
        ({"lang": "en"}, {"post-1"}),
        ({"in_area": "true"}, {"post-1"}),
        ({"in_area": "false"}, {"post-2"}),
        ({"status": "done"}, {"post-4"}),
        ({"status": "new"}, {"post-1", "post-2", "post-3"}),
        ({"since": "2026-03-01T10:30:00Z"}, {"post-3", "post-4"}),
        ({"q": "digue"}, {"post-4"}),
        ({}, {"post-1", "post-2", "post-3", "post-4"}),
    ],
)
def test_post_filters(activation, params, expected):
    # given
    base = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    ingest(
        activation,
        [
            raw_post(1, lang_hint="en", geo=INSIDE, posted_at=base),
            raw_post(
                2,
                platform="bluesky",
                geo=OUTSIDE,
                posted_at=base + dt.timedelta(minutes=10),
            ),
            raw_post(3, is_official=True, posted_at=base + dt.timedelta(minutes=40)),
            raw_post(
                4,
                text="Rupture de la digue signalée",
                posted_at=base + dt.timedelta(hours=1),
            ),
        ],
    )
    Cluster.objects.filter(posts__external_id="post-4").update(
        status=Cluster.Status.DONE
    )
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    # when
    response = api.get(_posts_url(activation), params)
    # then
    assert response.status_code == 200, response.content
    assert {p["external_id"] for p in response.json()["results"]} == expected


@pytest.mark.parametrize(
    "params",
    [
        {"platform": "myspace"},
        {"since": "yesterday"},
        {"in_area": "maybe"},
        {"status": "gone"},
        {"lang": "<script>"},
    ],
)
def test_invalid_filters_get_the_error_body(activation, params):
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    error = assert_error(api.get(_posts_url(activation), params), 400, "invalid")
    assert set(error["details"]) == set(params)


def test_posts_are_paginated_and_the_query_count_is_pinned(
    activation, django_assert_num_queries
):
    # given 120 posts
    ingest(activation, [raw_post(i) for i in range(120)])
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    # then: activation, membership, the audit trail's row (one INSERT), count,
    # page (clusters joined)
    with django_assert_num_queries(4):
        body = api.get(_posts_url(activation), {"page_size": 100}).json()
    assert body["count"] == 120
    assert len(body["results"]) == 100
    assert body["results"][0]["external_id"] == "post-0"
    assert body["next"]


def test_hostile_text_is_returned_as_plain_json_text(activation):
    ingest(activation, [raw_post(1, text="<script>alert(1)</script>")])
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    response = api.get(_posts_url(activation))
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["text"] == "<script>alert(1)</script>"


# --- sources ---------------------------------------------------------------------------------
def test_a_source_shows_its_health_and_usage_never_a_secret(activation, monkeypatch):
    # given an X source whose variable holds a fake secret echoed by its last error
    monkeypatch.setenv("X_TEST_TOKEN", FAKE_SECRET)
    now = timezone.now()
    source = make_source(
        activation,
        platform=Platform.X,
        name="X crue",
        params={"query": "crue", "max_results": 100, "stream": False},
        credentials_env="X_TEST_TOKEN",
        last_error=f"401 for {FAKE_SECRET}",
        last_error_at=now,
        consecutive_failures=2,
        monthly_cap=1000,
        usage_month=timezone.localdate().replace(day=1),
        usage_count=850,
    )
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    # when
    listed = api.get(_sources_url(activation))
    detail = api.get(_source_url(source))
    # then
    assert FAKE_SECRET not in listed.content.decode()
    assert FAKE_SECRET not in detail.content.decode()
    body = detail.json()
    assert listed.json()["results"] == [body]
    assert body["credentials_env"] == "X_TEST_TOKEN"
    assert body["activation"] == activation.slug
    assert body["health"]["last_error"] == "401 for [redacted]"
    assert body["health"]["consecutive_failures"] == 2
    assert body["usage"] == {"count": 850, "cap": 1000, "percent": 85, "level": 80}
    assert set(body) == {
        "id",
        "activation",
        "platform",
        "name",
        "params",
        "credentials_env",
        "is_enabled",
        "paused_reason",
        "interval_seconds",
        "monthly_cap",
        "health",
        "usage",
        "created_at",
        "updated_at",
    }
    assert "cursor" not in body


def test_non_x_sources_have_no_usage(activation):
    source = make_source(activation)
    api = client_as(make_member(activation, Role.OBSERVER).user)
    assert api.get(_source_url(source)).json()["usage"] is None


def test_a_coordinator_adds_a_source(activation):
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    response = api.post(_sources_url(activation), VALID_SOURCE, format="json")
    assert response.status_code == 201, response.content
    source = Source.objects.get(activation=activation)
    assert response.json()["id"] == source.pk
    assert source.params == {
        "instance": "https://mastodon.social",
        "hashtag": "inondation",
    }
    assert source.credentials_env == "MASTODON_TOKEN"


REFUSED = [
    (
        "private URL",
        {"params": {"instance": "http://192.168.0.1", "hashtag": "x"}},
        "params",
    ),
    (
        "javascript URL",
        {"params": {"instance": "javascript:alert(1)", "hashtag": "x"}},
        "params",
    ),
    (
        "unknown parameter",
        {"params": {"instance": "https://m.social", "hashtag": "x", "evil": 1}},
        "params",
    ),
    ("params not an object", {"params": ["x"]}, "params"),
    ("a token as credentials", {"credentials_env": FAKE_SECRET}, "credentials_env"),
    ("server setting", {"credentials_env": "DJANGO_SECRET_KEY"}, "credentials_env"),
    ("file platform", {"platform": "file"}, "platform"),
    ("interval", {"interval_seconds": 1}, "interval_seconds"),
]


@pytest.mark.parametrize(
    ("_case", "change", "field"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_refused_sources_change_nothing(activation, _case, change, field):
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = monitoring_state()
    response = api.post(
        _sources_url(activation), {**VALID_SOURCE, **change}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert field in error["details"]
    assert FAKE_SECRET not in response.content.decode()
    assert monitoring_state() == before


def test_a_duplicate_name_is_refused_by_the_rule(activation):
    make_source(activation, name="Mastodon #inondation")
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = monitoring_state()
    response = api.post(_sources_url(activation), VALID_SOURCE, format="json")
    error = assert_error(response, 400, "invalid_source")
    assert "already has a source named" in error["message"]
    assert monitoring_state() == before


def test_patch_pauses_and_resumes(activation):
    source = make_source(activation, consecutive_failures=4)
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    body = api.patch(
        _source_url(source),
        {"is_enabled": False, "paused_reason": "bruit"},
        format="json",
    ).json()
    assert (body["is_enabled"], body["paused_reason"]) == (False, "bruit")
    body = api.patch(_source_url(source), {"is_enabled": True}, format="json").json()
    assert (body["is_enabled"], body["paused_reason"]) == (True, "")
    assert body["health"]["consecutive_failures"] == 0


def test_patch_changes_parameters_and_restarts_the_cursor(activation):
    source = make_source(
        activation, cursor={"etag": "x"}, last_success_at=timezone.now()
    )
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    response = api.patch(
        _source_url(source),
        {"params": {"url": "https://www.example.org/new.xml"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    source.refresh_from_db()
    assert source.params == {"url": "https://www.example.org/new.xml"}
    assert source.cursor == {}
    assert source.last_success_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"platform": "x"}, "params"),  # the old parameters do not fit X
        ({"params": {"url": "http://localhost/"}}, "params"),
        ({"credentials_env": "lowercase-secret-123"}, "credentials_env"),
        ({}, "non_field_errors"),
    ],
)
def test_refused_patches_change_nothing(activation, payload, field):
    source = make_source(activation)
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = monitoring_state()
    error = assert_error(api.patch(_source_url(source), payload, format="json"), 400)
    assert field in error["details"]
    assert monitoring_state() == before


def test_a_file_import_source_cannot_be_patched(activation):
    source = make_source(activation, platform=Platform.FILE, params={})
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = monitoring_state()
    assert_error(api.patch(_source_url(source), {"name": "x"}, format="json"), 400)
    assert monitoring_state() == before


def test_sources_list_query_count_is_pinned(activation, django_assert_num_queries):
    for n in range(8):
        make_source(activation, name=f"Flux {n}")
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    # then: activation, membership, sources
    with django_assert_num_queries(2):
        body = api.get(_sources_url(activation)).json()
    assert body["count"] == 8


# --- schema ---------------------------------------------------------------------------------
def test_the_schema_documents_the_monitoring_endpoints(client, user, tmp_path: Path):
    # --fail-on-warn turns any drf-spectacular warning into an error
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )
    client.force_login(user)
    document = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    paths = document["paths"]
    assert set(paths["/api/v1/activations/{slug}/posts/"]) >= {"get"}
    assert set(paths["/api/v1/activations/{slug}/sources/"]) >= {"get", "post"}
    assert set(paths["/api/v1/sources/{source_id}/"]) >= {"get", "patch"}
    schemas = document["components"]["schemas"]
    assert {
        "Post",
        "PaginatedPostList",
        "Source",
        "SourceWriteRequest",
        "Error",
    } <= set(schemas)
    assert "credentials_env" in schemas["Source"]["properties"]
