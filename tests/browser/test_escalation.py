"""An urgent item reaches the liaison, who reads it and acknowledges it — in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import tasks as account_tasks
from activations.models import ActivationMember
from monitoring.escalations import escalation_acknowledge, escalation_raise
from monitoring.models import Escalation
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


@pytest.fixture
def no_email_task(monkeypatch):
    """The alert's email copy is queued after commit: keep it off the real broker."""
    monkeypatch.setattr(
        account_tasks.send_notification_emails, "delay", lambda ids: None
    )


def test_a_liaison_acknowledges_a_volunteers_urgent_item(
    page, screenshot, no_email_task
):
    # given: a volunteer escalated an item; an older one was acknowledged earlier
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    volunteer = make_member(
        activation,
        Role.VOLUNTEER,
        username="lea",
        first_name="Léa",
        last_name="Garnier",
    ).user
    coordinator = make_member(
        activation,
        Role.COORDINATOR,
        username="camille",
        first_name="Camille",
        last_name="Moreau",
    ).user
    make_member(
        activation,
        Role.LIAISON,
        username="nadia",
        first_name="Nadia",
        last_name="Bernard",
    )
    older = escalation_raise(
        cluster=make_item(
            activation, text="Arbre tombé sur la voie ferrée à Lattes, train arrêté"
        ),
        by=volunteer,
    )
    escalation_acknowledge(escalation=older, by=coordinator, note="SNCF prévenue")
    Escalation.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=40),
        acknowledged_at=timezone.now() - dt.timedelta(minutes=33),
    )
    escalation = escalation_raise(
        cluster=make_item(
            activation,
            text="URGENT famille bloquée sur le toit au 12 rue des Lilas, l'eau monte très vite, "
            "deux enfants avec eux <script>alert(1)</script>",
            copies=3,
            url="https://mastodon.example/@temoin/1",
        ),
        by=volunteer,
        note="Plusieurs témoins, même adresse.",
    )

    # when: the liaison signs in
    log_in(page, "nadia")
    # then the header counts the two urgent alerts, unread
    expect(page.locator(".notif-link .badge.kind-crisis")).to_have_text("2")
    # when: the escalations list
    page.goto(f"/a/{activation.slug}/escalations/")
    item = page.locator(f"#escalation-{escalation.pk}")
    expect(item).to_contain_text("famille bloquée sur le toit")
    expect(item).to_contain_text("<script>alert(1)</script>")
    expect(item).to_contain_text("Raised by Léa Garnier")
    expect(item.locator(".esc-badge")).to_have_text("Waiting for acknowledgement")
    # the timer runs
    timer = item.locator(".esc-timer")
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)
    # a liaison sees no queue
    expect(page.get_by_role("link", name="Triage")).to_have_count(0)
    expect(page.get_by_role("link", name="Posts", exact=True)).to_have_count(0)
    screenshot("escalation-list-open")

    # when: a new urgent item comes in while the page is open
    newer = escalation_raise(
        cluster=make_item(
            activation, text="Voiture emportée au gué de Gignac, conducteur sur le toit"
        ),
        by=volunteer,
    )
    # then it appears without a reload (htmx poll)
    expect(page.locator(f"#escalation-{newer.pk}")).to_contain_text("Voiture emportée")

    # when: the liaison opens the first one
    page.locator(f"#escalation-{escalation.pk}").get_by_role(
        "link", name="Open and acknowledge"
    ).click()
    # then
    expect(
        page.get_by_role("heading", name=f"Urgent item #{escalation.pk}")
    ).to_be_visible()
    expect(page.locator(".esc-post-text")).to_contain_text(
        "deux enfants avec eux <script>alert(1)</script>"
    )
    expect(page.get_by_text("Plusieurs témoins, même adresse.")).to_be_visible()
    original = page.get_by_role("link", name="Open the original post")
    expect(original).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(original).to_have_attribute("href", "https://mastodon.example/@temoin/1")
    screenshot("escalation-detail")

    # when: acknowledging with a note
    page.get_by_label("Note (optional)").fill("Transmis au CODIS 34, équipe en route")
    page.get_by_role("button", name="Acknowledge: I take it in hand").click()
    # then
    expect(
        page.get_by_text(
            "You acknowledged this urgent item; Léa Garnier has been told."
        )
    ).to_be_visible()
    expect(page.locator(".esc-alert-acknowledged")).to_contain_text(
        "Acknowledged by Nadia Bernard at"
    )
    expect(page.locator(".esc-alert-acknowledged")).to_contain_text(
        "Transmis au CODIS 34"
    )
    expect(
        page.get_by_role("button", name="Acknowledge: I take it in hand")
    ).to_have_count(0)
    screenshot("escalation-acknowledged")
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.ACKNOWLEDGED
    assert escalation.acknowledged_by.username == "nadia"

    # and the list shows it acknowledged, the newer one still open first
    page.get_by_role("link", name="All escalations").click()
    acknowledged = page.locator(f"#escalation-{escalation.pk}")
    expect(acknowledged.locator(".esc-badge")).to_have_text("Acknowledged")
    expect(acknowledged).to_contain_text("Acknowledged by Nadia Bernard at")
    expect(page.locator(".esc-item").first).to_have_id(f"escalation-{newer.pk}")
    screenshot("escalation-list-after")

    # and the inbox, where the volunteer would see the acknowledgement
    page.locator(".notif-link").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    screenshot("notifications-inbox")


def test_escalations_on_a_phone(page, screenshot, no_email_task):
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    volunteer = make_member(activation, Role.VOLUNTEER).user
    make_member(
        activation,
        Role.LIAISON,
        username="nadia",
        first_name="Nadia",
        last_name="Bernard",
    )
    escalation = escalation_raise(
        cluster=make_item(
            activation,
            text="Famille bloquée sur le toit au 12 rue des Lilas, l'eau monte",
        ),
        by=volunteer,
        note="Plusieurs témoins",
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "nadia")
    page.goto(f"/a/{activation.slug}/escalations/")
    expect(page.locator(f"#escalation-{escalation.pk}")).to_be_visible()
    screenshot("escalation-list-phone")
    page.goto(f"/a/{activation.slug}/escalations/{escalation.pk}/")
    expect(
        page.get_by_role("button", name="Acknowledge: I take it in hand")
    ).to_be_visible()
    screenshot("escalation-detail-phone")
