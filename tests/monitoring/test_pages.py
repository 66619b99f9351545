"""Monitoring pages: sources (health, quota, live figures, settings) and incoming posts."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from monitoring import source_params, tasks
from monitoring.models import Category, IngestBatch, Platform, Post, Source
from monitoring.pipeline.types import RejectedRecord
from tests.factories import ALL_ROLES, ActivationFactory, make_member
from tests.monitoring.pages_support import (
    FAKE_SECRET,
    INSIDE,
    OUTSIDE,
    ingest,
    make_source,
    monitoring_state,
    raw_post,
)

Role = ActivationMember.Role


def _member(activation, role):
    return make_member(activation, role, language="en").user


def _url(name, activation, *args):
    return reverse(f"monitoring:{name}", args=[activation.slug, *args])


# --- role matrix ---------------------------------------------------------------------
# (url name, method, action needed, needs a source id)
PAGES = [
    ("source-list", "get", Action.VIEW_POSTS, False),
    ("post-list", "get", Action.VIEW_POSTS, False),
    ("source-create", "get", Action.MANAGE_SOURCES, False),
    ("source-create", "post", Action.MANAGE_SOURCES, False),
    ("source-edit", "get", Action.MANAGE_SOURCES, True),
    ("source-edit", "post", Action.MANAGE_SOURCES, True),
    ("source-state", "post", Action.MANAGE_SOURCES, True),
    ("source-poll", "post", Action.MANAGE_SOURCES, True),
]
PAGE_IDS = [f"{method} {name}" for name, method, _a, _s in PAGES]
VALID_RSS = {
    "platform": "rss",
    "name": "Préfecture",
    "interval_seconds": "300",
    "credentials_env": "",
    "rss_url": "https://www.example.org/alerts.xml",
}


def _call(client, name, method, activation, source):
    needs_source = name in {"source-edit", "source-state", "source-poll"}
    url = _url(name, activation, *([source.pk] if needs_source else []))
    if method == "get":
        return client.get(url)
    payload = {"state": "pause"} if name == "source-state" else dict(VALID_RSS)
    return client.post(url, payload)


@pytest.mark.parametrize(("name", "method", "action", "_s"), PAGES, ids=PAGE_IDS)
def test_anonymous_is_sent_to_login(client, activation, name, method, action, _s):
    # given
    source = make_source(activation)
    before = monitoring_state()
    # when
    response = _call(client, name, method, activation, source)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert monitoring_state() == before


@pytest.mark.parametrize(("name", "method", "action", "_s"), PAGES, ids=PAGE_IDS)
def test_non_members_get_404_and_change_nothing(
    client, activation, user, name, method, action, _s
):
    # given a stranger, and a coordinator of another activation
    source = make_source(activation)
    other = ActivationFactory()
    before = monitoring_state()
    # when / then
    client.force_login(user)
    assert _call(client, name, method, activation, source).status_code == 404
    client.force_login(_member(other, Role.COORDINATOR))
    assert _call(client, name, method, activation, source).status_code == 404
    assert monitoring_state() == before


@pytest.mark.parametrize(("name", "method", "action", "_s"), PAGES, ids=PAGE_IDS)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_follow_the_role_table(
    client, activation, role, name, method, action, _s
):
    # given
    source = make_source(activation, platform=Platform.RSS)
    client.force_login(_member(activation, role))
    before = monitoring_state()
    # when
    response = _call(client, name, method, activation, source)
    # then
    if action in ROLE_ACTIONS[role]:
        assert response.status_code == (200 if method == "get" else 302)
    else:
        assert response.status_code == 403
        assert monitoring_state() == before


@pytest.mark.parametrize(
    ("role", "posts", "manage"),
    [
        (Role.COORDINATOR, 200, 200),
        (Role.TEAM_LEAD, 200, 403),
        (Role.VOLUNTEER, 200, 403),
        (Role.LIAISON, 403, 403),
        (Role.OBSERVER, 200, 403),
    ],
)
def test_a_liaison_never_sees_the_raw_queue(client, activation, role, posts, manage):
    client.force_login(_member(activation, role))
    assert client.get(_url("post-list", activation)).status_code == posts
    assert client.get(_url("source-list", activation)).status_code == posts
    assert client.get(_url("source-create", activation)).status_code == manage


def test_missing_activation_and_source_of_another_activation_are_404(
    client, activation
):
    # given a coordinator here, and a source of another activation
    client.force_login(_member(activation, Role.COORDINATOR))
    foreign = make_source(ActivationFactory())
    before = monitoring_state()
    # then
    assert client.get(reverse("monitoring:post-list", args=["nope"])).status_code == 404
    assert client.get(_url("source-edit", activation, foreign.pk)).status_code == 404
    assert (
        client.post(
            _url("source-state", activation, foreign.pk), {"state": "pause"}
        ).status_code
        == 404
    )
    assert client.post(_url("source-poll", activation, foreign.pk)).status_code == 404
    assert monitoring_state() == before


@pytest.mark.parametrize(
    ("role", "tabs"),
    [(Role.COORDINATOR, True), (Role.OBSERVER, True), (Role.LIAISON, False)],
)
def test_posts_and_sources_tabs_follow_the_role(client, activation, role, tabs):
    client.force_login(_member(activation, role))
    page = client.get(
        reverse("activations:activation-detail", args=[activation.slug])
    ).text
    assert (f'href="{_url("post-list", activation)}"' in page) is tabs
    assert (f'href="{_url("source-list", activation)}"' in page) is tabs


# --- sources page: health, quota, actions ---------------------------------------------
def test_sources_page_shows_health_and_the_paused_reason(client, activation):
    # given a failing, paused source and a healthy one
    now = timezone.now()
    make_source(
        activation,
        name="Flux préfecture",
        is_enabled=False,
        paused_reason="Paused after 8 failures: 404 Not Found",
        last_error="HTTP 404 <b>Not Found</b>",
        last_error_at=now - dt.timedelta(minutes=3),
        consecutive_failures=8,
        credentials_env="RSS_TOKEN",
    )
    make_source(
        activation,
        name="Vigicrues",
        last_success_at=now - dt.timedelta(minutes=1),
        next_attempt_at=now + dt.timedelta(minutes=1),
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    response = client.get(_url("source-list", activation))
    # then
    page = response.text
    assert "Flux préfecture" in page
    assert "Vigicrues" in page
    assert "Paused because:" in page
    assert "Paused after 8 failures: 404 Not Found" in page
    assert "HTTP 404 &lt;b&gt;Not Found&lt;/b&gt;" in page
    assert "<b>Not Found</b>" not in page
    assert '<span class="danger-text">8</span>' in page
    assert "<code>RSS_TOKEN</code>" in page
    assert "never" not in page.split("Vigicrues")[1].split("Next attempt")[0]
    # a volunteer sees no management action
    assert "Poll now" not in page
    assert "Add a source" not in page
    assert _url("source-create", activation) not in page


def test_coordinators_get_the_actions(client, activation):
    make_source(activation, name="Actif")
    make_source(activation, name="En pause", is_enabled=False)
    client.force_login(_member(activation, Role.COORDINATOR))
    page = client.get(_url("source-list", activation)).text
    assert page.count("Poll now") == 1
    assert page.count('value="pause"') == 1
    assert page.count('value="resume"') == 1
    assert "Add a source" in page


@pytest.mark.parametrize(
    ("count", "level", "text"),
    [
        (1000, 0, None),
        (5000, 50, "Half of the monthly cap used."),
        (8000, 80, "Warning: over 80% of the monthly cap used."),
        (9600, 95, "Warning: over 95% of the monthly cap used."),
        (10000, 100, "Monthly cap reached: fetching has stopped."),
    ],
)
def test_x_usage_warns_at_50_80_and_95_percent(client, activation, count, level, text):
    # given an X source that has read `count` posts of 10,000 this month
    make_source(
        activation,
        platform=Platform.X,
        name="X crue",
        params={"query": "crue"},
        monthly_cap=10_000,
        usage_month=timezone.localdate().replace(day=1),
        usage_count=count,
    )
    client.force_login(_member(activation, Role.OBSERVER))
    # when
    page = client.get(_url("source-list", activation)).text
    # then
    assert f"usage-badge usage-{level}" in page
    assert f"{count // 100} %" in page
    for other in ("Half of the monthly", "over 80%", "over 95%", "cap reached"):
        assert (other in page) is (text is not None and other in text)


def test_x_usage_of_a_past_month_counts_as_zero(client, activation):
    make_source(
        activation,
        platform=Platform.X,
        params={"query": "crue"},
        monthly_cap=100,
        usage_month=dt.date(2020, 1, 1),
        usage_count=99,
    )
    client.force_login(_member(activation, Role.OBSERVER))
    page = client.get(_url("source-list", activation)).text
    assert "usage-badge usage-0" in page
    assert "0 of 100 posts read" in page


def test_non_x_sources_show_no_usage(client, activation):
    make_source(activation, usage_count=50, monthly_cap=100)
    client.force_login(_member(activation, Role.OBSERVER))
    assert "Usage this month" not in client.get(_url("source-list", activation)).text


def test_sources_page_without_sources_explains_what_to_do(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    page = client.get(_url("source-list", activation)).text
    assert "No source yet" in page
    assert "No record has been rejected." in page


# --- live figures ------------------------------------------------------------------------
def test_live_figures_count_the_last_5_and_60_minutes(client, activation):
    # given 30 posts now (2 of them repeated), and an old batch 30 minutes ago
    source = make_source(activation, name="Flux")
    posts = [raw_post(i) for i in range(30)]
    ingest(
        activation,
        [*posts, posts[0], posts[1]],
        source=source,
        rejected=[RejectedRecord("malformed JSON <script>alert(1)</script>")],
    )
    IngestBatch.objects.create(
        activation=activation,
        received=600,
        inserted=600,
        duplicates=5,
        started_at=timezone.now() - dt.timedelta(minutes=31),
        finished_at=timezone.now() - dt.timedelta(minutes=30),
    )
    IngestBatch.objects.create(  # older than an hour: not counted
        activation=activation,
        inserted=999,
        started_at=timezone.now() - dt.timedelta(hours=3),
        finished_at=timezone.now() - dt.timedelta(hours=3),
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    response = client.get(_url("source-list", activation))
    # then
    figures = response.context["figures"]
    assert figures.per_minute_5 == 6.0  # 30 posts / 5 min
    assert figures.per_minute_60 == 10.5  # 630 / 60
    assert figures.duplicates_60 == 7
    assert figures.rejected_60 == 1
    assert figures.total_posts == 30
    assert figures.clusters == 30
    assert [r.reason for r in figures.last_rejections] == [
        "malformed JSON <script>alert(1)</script>"
    ]
    assert "malformed JSON &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text


def test_last_rejections_are_the_ten_newest(client, activation):
    for n in range(12):
        ingest(activation, [], rejected=[RejectedRecord(f"reason {n:02d}")])
    client.force_login(_member(activation, Role.VOLUNTEER))
    figures = client.get(_url("source-list", activation)).context["figures"]
    assert [r.reason for r in figures.last_rejections] == [
        f"reason {n:02d}" for n in range(11, 1, -1)
    ]


def test_htmx_poll_gets_only_the_figures_fragment(client, activation):
    make_source(activation, name="Flux visible")
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(
        _url("source-list", activation), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="ingest-figures"')
    assert 'hx-trigger="every 10s"' in response.text
    assert "<html" not in response.text
    assert "Flux visible" not in response.text
    assert "HX-Request" in response["Vary"]


def test_sources_page_and_fragment_query_counts_are_pinned(
    client, activation, django_assert_num_queries
):
    # given 6 sources and some traffic
    sources = [make_source(activation, name=f"Source {n}") for n in range(6)]
    ingest(
        activation,
        [raw_post(i) for i in range(20)],
        source=sources[0],
        rejected=[RejectedRecord("bad record")],
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # then (the session comes from the cache): user, unread notifications,
    # activation, membership, 4 for the figures (batches, posts, clusters,
    # rejections), sources, the menu's organisation roles
    with django_assert_num_queries(9):
        response = client.get(_url("source-list", activation))
    assert len(response.context["statuses"]) == 6
    with django_assert_num_queries(6):  # no page around it: no menu, no inbox
        client.get(_url("source-list", activation), headers={"HX-Request": "true"})


# --- secrets ---------------------------------------------------------------------------
def test_a_secret_is_never_shown_even_when_an_error_echoes_it(
    client, activation, monkeypatch
):
    # given a source whose credentials variable holds a (fake) secret, and a
    # connector error, a pause reason and a rejection that echo it
    monkeypatch.setenv("X_TEST_TOKEN", FAKE_SECRET)
    source = make_source(
        activation,
        platform=Platform.X,
        name="X secret",
        params={"query": "crue"},
        credentials_env="X_TEST_TOKEN",
        last_error=f"401 Unauthorized for Bearer {FAKE_SECRET}",
        last_error_at=timezone.now(),
        is_enabled=False,
        paused_reason=f"token {FAKE_SECRET} refused",
    )
    ingest(
        activation,
        [raw_post(1)],
        source=source,
        rejected=[RejectedRecord(f"echo {FAKE_SECRET}")],
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    # when
    pages = [
        client.get(_url("source-list", activation)),
        client.get(_url("source-list", activation), headers={"HX-Request": "true"}),
        client.get(_url("source-edit", activation, source.pk)),
        client.get(_url("post-list", activation)),
    ]
    # then
    for response in pages:
        assert response.status_code == 200
        assert FAKE_SECRET not in response.text
    assert "X_TEST_TOKEN" in pages[0].text
    assert "401 Unauthorized for Bearer [redacted]" in pages[0].text


# --- adding and editing sources ------------------------------------------------------------
SOURCE_FORMS = {
    "x": (
        {
            "x_query": "(crue OR inondation) -is:retweet",
            "x_max_results": "50",
            "x_stream": "on",
            "x_monthly_cap": "10000",
        },
        {
            "query": "(crue OR inondation) -is:retweet",
            "max_results": 50,
            "stream": True,
        },
    ),
    "mastodon": (
        {
            "mastodon_instance": "https://mastodon.social",
            "mastodon_hashtag": "#inondation",
        },
        {"instance": "https://mastodon.social", "hashtag": "inondation"},
    ),
    "bluesky": (
        {"bluesky_query": "inondation Hérault", "bluesky_lang": "FR"},
        {"query": "inondation Hérault", "lang": "fr"},
    ),
    "rss": (
        {"rss_url": "https://www.herault.gouv.fr/rss"},
        {"url": "https://www.herault.gouv.fr/rss"},
    ),
    "cap": (
        {"cap_url": "https://alerts.example.org/cap/index.atom"},
        {"url": "https://alerts.example.org/cap/index.atom"},
    ),
}


@pytest.mark.parametrize("platform", list(SOURCE_FORMS))
def test_a_coordinator_adds_a_source_of_each_platform(client, activation, platform):
    # given
    coordinator = _member(activation, Role.COORDINATOR)
    client.force_login(coordinator)
    fields, params = SOURCE_FORMS[platform]
    # when
    response = client.post(
        _url("source-create", activation),
        {
            "platform": platform,
            "name": f"Veille {platform}",
            "interval_seconds": "90",
            "credentials_env": "MY_SOURCE_TOKEN",
            **fields,
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == _url("source-list", activation)
    source = Source.objects.get(activation=activation)
    assert source.platform == platform
    assert source.params == params
    assert source.credentials_env == "MY_SOURCE_TOKEN"
    assert source.interval_seconds == 90
    assert source.monthly_cap == (10_000 if platform == "x" else None)
    assert source.is_enabled
    assert LogEntry.objects.filter(
        activation=activation, author=coordinator, text__contains=f"Veille {platform}"
    ).exists()


def test_a_replay_source_names_a_shipped_scenario(client, activation, monkeypatch):
    monkeypatch.setattr(source_params, "scenario_choices", lambda: ["crue_eclair"])
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.post(
        _url("source-create", activation),
        {
            "platform": "replay",
            "name": "Exercice",
            "interval_seconds": "60",
            "replay_scenario": "crue_eclair",
            "replay_speed": "10",
        },
    )
    assert response.status_code == 302
    assert Source.objects.get().params == {"scenario": "crue_eclair", "speed": 10.0}


REFUSED = [
    ("javascript URL", {"rss_url": "javascript:alert(1)"}, "rss_url"),
    ("ftp URL", {"rss_url": "ftp://example.org/feed"}, "rss_url"),
    ("loopback", {"rss_url": "http://127.0.0.1:8000/feed"}, "rss_url"),
    ("loopback short form", {"rss_url": "http://127.1/feed"}, "rss_url"),
    ("loopback hex form", {"rss_url": "http://0x7f.0.0.1/feed"}, "rss_url"),
    ("localhost", {"rss_url": "http://localhost/feed"}, "rss_url"),
    ("full-width localhost", {"rss_url": "http://ｌｏｃａｌｈｏｓｔ/feed"}, "rss_url"),
    ("full-width loopback", {"rss_url": "http://１２７.０.０.１/feed"}, "rss_url"),
    ("private network", {"rss_url": "https://10.1.2.3/feed"}, "rss_url"),
    (
        "cloud metadata",
        {"rss_url": "http://169.254.169.254/latest/meta-data/"},
        "rss_url",
    ),
    ("IPv6 loopback", {"rss_url": "http://[::1]/feed"}, "rss_url"),
    ("mapped IPv6", {"rss_url": "http://[::ffff:192.168.0.1]/feed"}, "rss_url"),
    ("service name", {"rss_url": "http://redis:6379/"}, "rss_url"),
    (
        "user and password",
        {"rss_url": "https://bob:hunter2@example.org/feed"},
        "rss_url",
    ),
    (
        "key in the query",
        {"rss_url": "https://example.org/feed?api_key=abc123"},
        "rss_url",
    ),
    ("no URL", {"rss_url": ""}, "rss_url"),
    (
        "token as credentials",
        {"credentials_env": "ghp_a1b2c3d4e5f6g7h8i9j0"},
        "credentials_env",
    ),
    ("too long a name", {"credentials_env": "A_" + "B" * 70}, "credentials_env"),
    (
        "random-looking name",
        {"credentials_env": "AKIAIOSFODNN7EXAMPLE"},
        "credentials_env",
    ),
    ("server setting", {"credentials_env": "DJANGO_SECRET_KEY"}, "credentials_env"),
    ("database password", {"credentials_env": "POSTGRES_PASSWORD"}, "credentials_env"),
    ("interval too short", {"interval_seconds": "5"}, "interval_seconds"),
    ("no name", {"name": "  "}, "name"),
]


@pytest.mark.parametrize(
    ("_case", "change", "field"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_refused_source_settings_change_nothing(
    client, activation, _case, change, field
):
    # given
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    # when
    response = client.post(_url("source-create", activation), {**VALID_RSS, **change})
    # then
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert monitoring_state() == before


def test_a_pasted_token_is_not_sent_back_in_the_form(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.post(
        _url("source-create", activation), {**VALID_RSS, "credentials_env": FAKE_SECRET}
    )
    assert response.status_code == 200
    assert "never the token itself" in response.text
    assert FAKE_SECRET not in response.text


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"x_query": ""}, "x_query"),
        ({"x_query": "crue", "x_max_results": "500"}, "x_max_results"),
        ({"x_query": "crue", "x_lang": "français"}, "x_lang"),
    ],
)
def test_x_parameters_are_checked(client, activation, fields, error_field):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-create", activation),
        {"platform": "x", "name": "X", "interval_seconds": "120", **fields},
    )
    assert error_field in response.context["form"].errors
    assert monitoring_state() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"mastodon_instance": "https://mastodon.social"},
        {
            "mastodon_instance": "https://mastodon.social",
            "mastodon_hashtag": "crue",
            "mastodon_query": "inondation",
        },
        {
            "mastodon_instance": "https://mastodon.social",
            "mastodon_hashtag": "two words",
        },
    ],
    ids=["neither", "both", "not a hashtag"],
)
def test_mastodon_needs_a_hashtag_or_a_query(client, activation, fields):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-create", activation),
        {"platform": "mastodon", "name": "M", "interval_seconds": "120", **fields},
    )
    assert "mastodon_hashtag" in response.context["form"].errors
    assert monitoring_state() == before


def test_a_replay_of_an_unknown_scenario_is_refused(client, activation, monkeypatch):
    monkeypatch.setattr(source_params, "scenario_choices", lambda: ["crue_eclair"])
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-create", activation),
        {
            "platform": "replay",
            "name": "Exercice",
            "interval_seconds": "60",
            "replay_scenario": "../../etc/passwd",
            "replay_speed": "1",
        },
    )
    assert "replay_scenario" in response.context["form"].errors
    assert monitoring_state() == before


def test_a_host_resolving_to_a_private_address_is_refused(
    client, activation, monkeypatch
):
    monkeypatch.setattr(source_params, "_resolve", lambda host: ["192.168.1.10"])
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-create", activation),
        {**VALID_RSS, "rss_url": "https://intranet.example.org/"},
    )
    assert "rss_url" in response.context["form"].errors
    assert monitoring_state() == before


def test_private_addresses_are_allowed_in_debug(client, activation, settings):
    settings.DEBUG = True
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.post(
        _url("source-create", activation),
        {**VALID_RSS, "rss_url": "http://localhost:8001/feed"},
    )
    assert response.status_code == 302
    assert Source.objects.get().params == {"url": "http://localhost:8001/feed"}


def test_two_sources_cannot_share_a_name(client, activation):
    make_source(activation, name="Préfecture")
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-create", activation), {**VALID_RSS, "name": "préfecture"}
    )
    assert response.status_code == 200
    assert "already has a source named" in response.text
    assert monitoring_state() == before


def test_editing_the_name_keeps_cursor_and_health(client, activation):
    # given a source that has been polling
    source = make_source(
        activation,
        name="Ancien nom",
        cursor={"etag": "abc"},
        consecutive_failures=2,
        last_success_at=timezone.now(),
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    form = client.get(_url("source-edit", activation, source.pk)).context["form"]
    assert form["rss_url"].value() == "https://www.example.org/feed.xml"
    # when
    response = client.post(
        _url("source-edit", activation, source.pk),
        {
            **VALID_RSS,
            "name": "Nouveau nom",
            "rss_url": "https://www.example.org/feed.xml",
        },
    )
    # then
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.name == "Nouveau nom"
    assert source.cursor == {"etag": "abc"}
    assert source.consecutive_failures == 2
    assert source.interval_seconds == 300


def test_editing_the_parameters_restarts_the_cursor(client, activation):
    source = make_source(activation, cursor={"etag": "abc"})
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.post(
        _url("source-edit", activation, source.pk),
        {**VALID_RSS, "rss_url": "https://www.example.org/other.xml"},
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.params == {"url": "https://www.example.org/other.xml"}
    assert source.cursor == {}


def test_file_import_sources_are_not_edited_here(client, activation):
    source = make_source(activation, platform=Platform.FILE, params={})
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(_url("source-edit", activation, source.pk), VALID_RSS)
    assert response.status_code == 302
    assert monitoring_state() == before
    page = client.get(_url("source-list", activation)).text
    assert "made by a file import" in page
    assert _url("source-edit", activation, source.pk) not in page


# --- pause, resume, poll now -----------------------------------------------------------------
def test_pause_and_resume(client, activation):
    # given a failing source
    source = make_source(
        activation,
        name="Flux",
        consecutive_failures=3,
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
    )
    coordinator = _member(activation, Role.COORDINATOR)
    client.force_login(coordinator)
    # when paused
    response = client.post(
        _url("source-state", activation, source.pk),
        {"state": "pause", "reason": "Trop de bruit"},
    )
    # then
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.is_enabled, source.paused_reason) == (False, "Trop de bruit")
    # when resumed
    client.post(_url("source-state", activation, source.pk), {"state": "resume"})
    # then it is due at once, its failures forgotten
    source.refresh_from_db()
    assert source.is_enabled
    assert source.paused_reason == ""
    assert source.consecutive_failures == 0
    assert source.next_attempt_at is None
    texts = list(
        LogEntry.objects.filter(activation=activation).values_list("text", flat=True)
    )
    assert any("paused by" in t for t in texts)
    assert any("resumed by" in t for t in texts)


def test_pause_without_a_reason_says_who(client, activation):
    source = make_source(activation)
    coordinator = _member(activation, Role.COORDINATOR)
    client.force_login(coordinator)
    client.post(_url("source-state", activation, source.pk), {"state": "pause"})
    source.refresh_from_db()
    assert source.paused_reason == f"Paused by {coordinator.display_name}."


def test_a_junk_state_changes_nothing(client, activation):
    source = make_source(activation)
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    response = client.post(
        _url("source-state", activation, source.pk), {"state": "delete"}
    )
    assert response.status_code == 302
    assert monitoring_state() == before


def test_poll_now_enqueues_the_task_after_commit(
    client, activation, django_capture_on_commit_callbacks
):
    # given
    source = make_source(activation)
    client.force_login(_member(activation, Role.COORDINATOR))
    with mock.patch.object(tasks.poll_source, "delay") as delay:
        # when
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(_url("source-poll", activation, source.pk))
            # then: nothing is sent before the commit
            assert delay.call_count == 0
        assert len(callbacks) == 1
        callbacks[0]()
        delay.assert_called_once_with(source.pk)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "will be polled in a moment" in follow.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_enabled": False}, "Resume the source first."),
        (
            {"platform": Platform.REPLAY, "params": {"scenario": "x", "speed": 1}},
            "This kind of source is not polled.",
        ),
    ],
    ids=["paused", "replay"],
)
def test_poll_now_is_refused_for_paused_and_unpolled_sources(
    client, activation, django_capture_on_commit_callbacks, fields, message
):
    source = make_source(activation, **fields)
    client.force_login(_member(activation, Role.COORDINATOR))
    before = monitoring_state()
    with (
        mock.patch.object(tasks.poll_source, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(_url("source-poll", activation, source.pk), follow=True)
    assert callbacks == []
    delay.assert_not_called()
    assert message in response.text
    assert monitoring_state() == before


# --- incoming posts ---------------------------------------------------------------------------
def test_posts_are_newest_first_and_paginated_by_50(client, activation):
    ingest(activation, [raw_post(i) for i in range(60)])
    client.force_login(_member(activation, Role.OBSERVER))
    first = client.get(_url("post-list", activation)).context["page"]
    assert [p.external_id for p in first][:3] == ["post-0", "post-1", "post-2"]
    assert len(first) == 50
    second = client.get(_url("post-list", activation), {"page": 2}).context["page"]
    assert [p.external_id for p in second] == [f"post-{i}" for i in range(50, 60)]


def test_post_rows_show_what_a_monitor_needs(client, activation):
    # given an original, two near-copies of it (one a repost), a located post
    text = (
        "Route D986 coupée au pont de Saint-Martin, eau sur la chaussée, ne passez pas"
    )
    ingest(
        activation,
        [
            raw_post(1, text=text, author_handle="@temoin@mastodon.example"),
            raw_post(2, text=text + " !!", repost_of_external_id="post-1"),
            raw_post(3, text="RT " + text),
            raw_post(4, geo=INSIDE, place_hint="Montpellier"),
            raw_post(5, is_official=True, text="Vigilance rouge crues"),
        ],
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    page = client.get(_url("post-list", activation)).text
    # then
    assert "@temoin@mastodon.example" in page
    assert "+2 similar" in page
    assert "Repost" in page
    assert "Montpellier · Platform geotag · in the area" in page
    assert "Official" in page
    assert 'rel="noopener noreferrer nofollow"' in page
    assert 'target="_blank"' in page
    assert 'href="https://mastodon.example/@someone/1"' in page
    assert "<meter" in page


def test_post_times_are_in_the_activation_time_zone(client, activation):
    # given an activation in Réunion and a viewer in Paris
    activation.timezone = "Indian/Reunion"
    activation.save()
    posted = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    ingest(activation, [raw_post(1, posted_at=posted)])
    client.force_login(_member(activation, Role.VOLUNTEER))
    page = client.get(_url("post-list", activation)).text
    assert "times in Indian/Reunion" in page
    assert "14:00" in page  # UTC+4


def test_hostile_post_text_and_links_are_neutralised(client, activation):
    # given posts carrying script, HTML and a javascript: link
    ingest(
        activation,
        [
            raw_post(
                1,
                text="<script>alert('x')</script>\nsecond line & more",
                url="javascript:alert(document.cookie)",
                author_handle='"><img src=x onerror=alert(1)>',
            ),
            raw_post(2, url="data:text/html,<script>alert(1)</script>"),
            raw_post(3, url="JaVaScRiPt:alert(1)"),
        ],
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    page = client.get(_url("post-list", activation)).text
    # then
    assert "<script>alert" not in page
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>second line &amp; more"
        in page
    )
    assert "<img src=x" not in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "javascript:" not in page.lower()
    assert 'href="data:' not in page
    assert "the original post (new tab)" not in page  # none is an http(s) link


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"platform": "bluesky"}, {"post-2"}),
        ({"category": Category.OFFICIAL}, {"post-3"}),
        ({"lang": "en"}, {"post-1"}),
        ({"area": "in"}, {"post-1"}),
        ({"area": "out"}, {"post-2"}),
        ({"area": "unknown"}, {"post-3", "post-4"}),
        ({"official": "on"}, {"post-3"}),
        ({"q": "digue"}, {"post-4"}),
        ({"q": "DIGUE", "platform": "mastodon"}, {"post-4"}),
        ({"q": "digue", "platform": "bluesky"}, set()),
        ({}, {"post-1", "post-2", "post-3", "post-4"}),
    ],
)
def test_post_filters(client, activation, params, expected):
    ingest(
        activation,
        [
            raw_post(1, lang_hint="en", geo=INSIDE),
            raw_post(2, platform="bluesky", geo=OUTSIDE),
            raw_post(3, is_official=True),
            raw_post(4, text="Rupture de la digue signalée, eau qui monte"),
        ],
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("post-list", activation), params)
    assert {p.external_id for p in response.context["page"]} == expected
    if not expected:
        assert "No post matches these filters." in response.text


def test_invalid_filters_are_ignored_not_an_error(client, activation):
    ingest(activation, [raw_post(1)])
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("post-list", activation), {"platform": "myspace"})
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_empty_posts_page(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    assert "No post has come in yet." in client.get(_url("post-list", activation)).text


def test_posts_page_query_count_is_pinned(
    client, activation, django_assert_num_queries
):
    # given 80 posts, some in clusters
    ingest(activation, [raw_post(i) for i in range(80)])
    text = "Évacuation du camping des Sablons en cours, rejoignez la salle polyvalente"
    ingest(activation, [raw_post(100 + i, text=f"{text} {'!' * i}") for i in range(5)])
    client.force_login(_member(activation, Role.VOLUNTEER))
    # then (the session comes from the cache): user, unread notifications, activation, membership, count, page (clusters joined),
    # the menu's organisation roles, the audit trail's row (one INSERT)
    with django_assert_num_queries(7):
        response = client.get(_url("post-list", activation), {"q": "", "lang": "fr"})
    assert len(response.context["page"]) == 50


def test_a_post_of_another_activation_never_shows(client, activation):
    ingest(ActivationFactory(), [raw_post(1, text="Ailleurs et secret")])
    client.force_login(_member(activation, Role.COORDINATOR))
    assert "Ailleurs et secret" not in client.get(_url("post-list", activation)).text
    assert not Post.objects.filter(activation=activation).exists()


def test_poll_now_is_refused_once_the_activation_is_closed(
    client, activation, django_capture_on_commit_callbacks
):
    source = make_source(activation)
    client.force_login(_member(activation, Role.COORDINATOR))
    type(activation).objects.filter(pk=activation.pk).update(
        status=type(activation).Status.CLOSED,
        closed_at=timezone.now(),
        close_reason="Fin de l'épisode",
    )
    before = monitoring_state()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_url("source-poll", activation, source.pk), follow=True)
    assert callbacks == []
    assert "only polled while the activation is active" in response.text
    assert monitoring_state() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"params": {"url": "http://127.0.0.1/"}}, "private network"),
        ({"params": {"url": "https://example.org/", "x": 1}}, "Unknown parameter"),
        ({"credentials_env": FAKE_SECRET}, "never the token itself"),
        ({"platform": Platform.FILE, "params": {}}, "cannot be set up here"),
    ],
    ids=["private URL", "unknown key", "secret", "file platform"],
)
def test_the_service_refuses_too_whoever_calls_it(activation, fields, message):
    # given a caller that skipped the form
    from monitoring import services
    from vost.exceptions import DomainError

    coordinator = _member(activation, Role.COORDINATOR)
    before = monitoring_state()
    arguments = {
        "platform": Platform.RSS,
        "name": "Direct",
        "params": {"url": "https://example.org/"},
    } | fields
    # when / then
    with pytest.raises(DomainError, match=message):
        services.source_save(by=coordinator, activation=activation, **arguments)
    assert monitoring_state() == before
