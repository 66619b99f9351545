"""Sources (health, quota, live figures), the source form and incoming posts — in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import ActivationMember
from monitoring.models import Platform, Source
from monitoring.pipeline.types import RejectedRecord
from tests.browser.support import log_in
from tests.conftest import SCREENSHOTS
from tests.factories import ActivationFactory, make_member
from tests.monitoring.pages_support import (
    INSIDE,
    OUTSIDE,
    ingest,
    make_source,
    raw_post,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _monitoring_fixture():
    """A flash-flood activation with sources in every state and some traffic."""
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", timezone="Europe/Paris"
    )
    make_member(
        activation,
        Role.COORDINATOR,
        username="camille",
        first_name="Camille",
        last_name="Roux",
    )
    now = timezone.now()
    month = timezone.localdate().replace(day=1)
    x = make_source(
        activation,
        platform=Platform.X,
        name="X — crue Hérault",
        params={
            "query": "(crue OR inondation) (Hérault OR Montpellier) -is:retweet",
            "max_results": 100,
            "stream": False,
        },
        credentials_env="X_BEARER_TOKEN",
        monthly_cap=10_000,
        usage_month=month,
        usage_count=8_420,
        last_success_at=now - dt.timedelta(minutes=2),
        next_attempt_at=now + dt.timedelta(seconds=40),
        interval_seconds=120,
    )
    mastodon = make_source(
        activation,
        platform=Platform.MASTODON,
        name="Mastodon #inondation",
        params={"instance": "https://mastodon.social", "hashtag": "inondation"},
        last_success_at=now - dt.timedelta(seconds=50),
        next_attempt_at=now + dt.timedelta(seconds=70),
    )
    make_source(
        activation,
        platform=Platform.RSS,
        name="Vigicrues — bulletins",
        params={"url": "https://www.vigicrues.gouv.fr/rss/?CdEntVigiCru=10"},
        is_enabled=False,
        consecutive_failures=8,
        last_error="HTTP 503 Service Unavailable (after 8 attempts, the server kept "
        "answering 503: maintenance in progress)",
        last_error_at=now - dt.timedelta(minutes=12),
        paused_reason="Source “Vigicrues — bulletins” paused after 8 failures: HTTP 503",
    )
    make_source(
        activation,
        platform=Platform.CAP,
        name="Alertes CAP Météo-France",
        params={"url": "https://alerts.example.org/cap/fr.atom"},
        last_error="timeout after 20 s",
        last_error_at=now - dt.timedelta(minutes=30),
        consecutive_failures=1,
        last_success_at=now - dt.timedelta(minutes=5),
        next_attempt_at=now + dt.timedelta(minutes=3),
    )
    flood = "Route D986 coupée au pont de Saint-Martin, l'eau passe par-dessus, ne tentez pas"
    posts = [
        raw_post(
            1,
            text=flood,
            geo=INSIDE,
            place_hint="Montpellier",
            author_handle="@temoin34@mastodon.social",
        ),
        raw_post(
            2,
            text="RT " + flood,
            repost_of_external_id="post-1",
            author_handle="@voisin@mastodon.social",
        ),
        raw_post(3, text=flood + " !!!", author_handle="@autre@mastodon.social"),
        raw_post(
            4,
            platform="x",
            is_official=True,
            lang_hint="fr",
            text="🔴 Vigilance ROUGE crues sur l'Hérault. Ne prenez pas la route, "
            "restez chez vous.\nSuivez les consignes des autorités.",
            author_handle="@Prefet34",
            url="https://x.com/Prefet34/status/1",
        ),
        raw_post(
            5,
            platform="bluesky",
            lang_hint="en",
            geo=OUTSIDE,
            text="Flooding reported near the river, cars stuck on the bridge",
            author_handle="@traveller.bsky.social",
        ),
        raw_post(
            6,
            text="<script>alert('pwned')</script> Besoin d'aide rue des Lilas, "
            "personne âgée bloquée au 1er étage",
            url="javascript:alert(1)",
            author_handle='"><img src=x onerror=alert(1)>',
        ),
        raw_post(
            7,
            platform="x",
            lang_hint="fr",
            text="On dit que le barrage a cédé ??? quelqu'un confirme ?",
            author_handle="@rumeur_34",
            url="https://x.com/rumeur_34/status/7",
        ),
    ]
    ingest(
        activation,
        posts,
        source=mastodon,
        rejected=[
            RejectedRecord("malformed JSON at line 12: Expecting ',' delimiter"),
            RejectedRecord("missing id"),
        ],
    )
    ingest(
        activation,
        [raw_post(10 + i) for i in range(30)],
        source=x,
        rejected=[RejectedRecord("<b>unknown field</b> 'geo.place' ignored; no text")],
    )
    return activation, x


def test_a_coordinator_reviews_sources_adds_one_and_reads_posts(page, screenshot):
    # given
    activation, _x = _monitoring_fixture()
    log_in(page, "camille")
    # when: the sources page
    page.goto(f"/a/{activation.slug}/sources/")
    # then
    expect(page.get_by_role("heading", name="Live ingestion")).to_be_visible()
    expect(
        page.get_by_text("Warning: over 80% of the monthly cap used.")
    ).to_be_visible()
    expect(page.get_by_text("paused after 8 failures: HTTP 503")).to_be_visible()
    expect(
        page.get_by_text("<b>unknown field</b> 'geo.place' ignored; no text")
    ).to_be_visible()
    screenshot("monitoring-sources")

    # when: adding a Mastodon source
    page.get_by_role("link", name="Add a source").first.click()
    page.get_by_label("Platform").select_option("mastodon")
    # then only the Mastodon settings show
    expect(page.get_by_role("group", name="Mastodon settings")).to_be_visible()
    expect(page.get_by_role("group", name="X settings")).to_be_hidden()
    page.get_by_label("Name").fill("Mastodon — recherche crue")
    mastodon = page.get_by_role("group", name="Mastodon settings")
    mastodon.get_by_label("Instance").fill("https://mastodon.social")
    mastodon.get_by_label("Search query").fill("crue Hérault")
    page.get_by_label("Credentials variable").fill("ghp_0123456789abcdefSECRET")
    page.get_by_role("button", name="Save").click()
    # then the pasted token is refused and not shown back
    expect(page.get_by_text("never the token itself").first).to_be_visible()
    expect(page.get_by_label("Credentials variable")).to_have_value("")
    screenshot("monitoring-source-form-error")
    page.get_by_label("Credentials variable").fill("MASTODON_TOKEN")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Source “Mastodon — recherche crue” saved.")
    ).to_be_visible()
    assert Source.objects.filter(name="Mastodon — recherche crue").exists()

    # when: the incoming posts
    page.get_by_role("link", name="Posts", exact=True).click()
    # then
    expect(page.get_by_role("heading", name="Incoming posts")).to_be_visible()
    expect(page.get_by_text("+2 similar").first).to_be_visible()
    expect(
        page.get_by_text("<script>alert('pwned')</script>", exact=False)
    ).to_be_visible()
    assert page.locator("a[href^='javascript']").count() == 0
    screenshot("monitoring-posts")
    page.screenshot(path=str(SCREENSHOTS / "monitoring-posts-top.png"))

    # when: filtered on official communications
    page.get_by_label("Official only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".post")).to_have_count(1)


def test_sources_and_posts_on_a_phone(page, screenshot):
    activation, _x = _monitoring_fixture()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "camille")
    page.goto(f"/a/{activation.slug}/posts/")
    expect(page.get_by_role("heading", name="Incoming posts")).to_be_visible()
    screenshot("monitoring-posts-phone")
    page.goto(f"/a/{activation.slug}/sources/")
    expect(page.get_by_role("heading", name="Sources", exact=True)).to_be_visible()
    screenshot("monitoring-sources-phone")
    page.screenshot(path=str(SCREENSHOTS / "monitoring-sources-phone-top.png"))
