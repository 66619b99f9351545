"""The dashboard in Chromium: big numbers on top, readable charts below, and the
figures refresh by themselves."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import ActivationMember
from dashboards import selectors, views
from monitoring.models import Cluster, Escalation, Platform, Post, TriageDecision
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member
from verification.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role

PLACES = ["Montpellier", "Lattes", "Palavas-les-Flots", "Pérols", "Sète", "Lunel"]
TEXTS = [
    "Rue inondée à {p}, l'eau monte vite #crue",
    "Route coupée vers {p} #inondation",
    "Besoin d'aide pour évacuer une famille à {p}",
    "Pont fermé à {p}, déviation en place #crue",
    "Coupure d'électricité dans le quartier de {p}",
    "Water rising fast near {p} #flood",
]
CATEGORIES = [
    "infrastructure",
    "request",
    "caution",
    "displaced",
    "official",
    "other_relevant",
]
PLATFORMS = [Platform.X, Platform.MASTODON, Platform.BLUESKY, Platform.RSS]


def _crisis(activation, lead):
    rng = random.Random(8)  # noqa: S311 (made-up data)
    now = timezone.now()
    items = []
    for _n in range(140):
        hours_ago = min(int(rng.expovariate(1 / 5)), 23)  # rising towards now
        place = rng.choice(PLACES)
        item = make_item(
            activation,
            text=rng.choice(TEXTS).format(p=place),
            category=rng.choice(CATEGORIES),
            priority=rng.random(),
            place_name=place,
            platform=rng.choice(PLATFORMS),
        )
        when = now - dt.timedelta(hours=hours_ago, minutes=rng.randrange(60))
        Post.objects.filter(cluster=item).update(posted_at=when, received_at=when)
        items.append((item, when))
    for item, when in items[:90]:
        kind = rng.choice(["relevant", "not_relevant", "urgent", "verify"])
        Cluster.objects.filter(pk=item.pk).update(status="done", decision=kind)
        TriageDecision.objects.create(
            activation=activation,
            cluster=item,
            user=lead,
            kind=kind,
            previous_status="in_triage",
            created_at=when + dt.timedelta(minutes=rng.randrange(5, 40)),
        )
    statuses = ["unverified"] * 3 + ["in_progress"] * 5 + ["verified"] * 4
    statuses += ["false", "false", "misleading", "unverifiable"]
    for number, status in enumerate(statuses, start=1):
        Case.objects.create(
            activation=activation,
            number=number,
            claim="À vérifier",
            opened_by=lead,
            status=status,
        )
    for i, (item, _when) in enumerate(items[:7]):
        open_ = i >= 5
        escalation = Escalation.objects.create(
            activation=activation,
            cluster=item,
            raised_by=lead,
            summary=f"Personnes bloquées à l'étage, {PLACES[i % len(PLACES)]}",
            status="open" if open_ else "acknowledged",
            acknowledged_by=None if open_ else lead,
            acknowledged_at=None
            if open_
            else now - dt.timedelta(hours=i, minutes=-3 - i),
        )
        Escalation.objects.filter(pk=escalation.pk).update(
            created_at=now - dt.timedelta(hours=0 if open_ else i, minutes=12 * i)
        )


def test_the_dashboard_reads_at_a_glance_and_refreshes(page, screenshot, monkeypatch):
    # given a busy activation and an observer on its dashboard, refreshed every 2 s here
    monkeypatch.setattr(views, "REFRESH_SECONDS", 2)
    monkeypatch.setattr(selectors, "SNAPSHOT_MAX_AGE", 1)
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    lead = make_member(activation, Role.TEAM_LEAD).user
    observer = make_member(activation, Role.OBSERVER, username="obs").user
    _crisis(activation, lead)
    log_in(page, observer.username)
    page.goto(reverse("dashboards:dashboard", args=[activation.slug]))
    expect(page.locator(".big-numbers")).to_be_visible()
    expect(page.locator("#chart-category svg rect").first).to_be_visible()
    screenshot("dashboard_24h")
    total = page.locator(".big-numbers .big dd").first
    before = int(total.inner_text())
    # when new posts arrive
    for _n in range(3):
        make_item(activation, text="Digue rompue à Lattes #crue", place_name="Lattes")
    # then the big number follows without a reload
    expect(total).to_have_text(str(before + 3), timeout=10_000)
    # and the 72-hour view is one click away
    page.get_by_role("link", name="72").click()
    expect(page.locator(".window-toggle [aria-current=true]")).to_contain_text("72")
    screenshot("dashboard_72h")
