"""The relay in Chromium: the liaison types an official message, the team lead
adjusts the Mastodon draft and asks for approval, the liaison approves, the team
lead double-clicks "publish": one post goes out and its link shows."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from relay import services
from relay.models import Channel, RelayTask
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_member
from tests.relay import fake_platforms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


@pytest.fixture
def fake(settings):
    with fake_platforms.running() as server:
        fake_platforms.configure(settings, server)
        # X and Bluesky without credentials: they work as an outbox
        settings.VOST_RELAY_X_BEARER_TOKEN = ""
        settings.VOST_RELAY_BLUESKY_APP_PASSWORD = ""
        yield server


@pytest.fixture
def eager():
    from vost.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def test_typed_approved_and_published_once(page, screenshot, fake, eager):
    # given
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    liaison = make_member(activation, Role.LIAISON, username="prefecture").user
    services.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (True, "#Crue34") for c in Channel},
        handles=["prefet34@mastodon.social"],
    )
    # the liaison types the authority's message
    log_in(page, liaison.username)
    page.goto(reverse("relay:message-list", args=[activation.slug]))
    page.locator("#id_text").fill(
        "Évacuation préventive du quartier des Aubes : rejoignez le gymnase "
        "Jean-Moulin avant 18 h. <b>Ne prenez pas la voiture</b>."
    )
    page.locator("#id_url").fill("https://www.herault.gouv.fr/crue")
    screenshot("relay-liaison-new-message")
    page.locator(".relay-new button[type=submit]").click()
    expect(page.locator(".relay-task")).to_have_count(3)
    expect(page.locator(".relay-text").first).to_contain_text("<b>Ne prenez pas")
    task = RelayTask.objects.get(channel="mastodon")

    # the team lead adjusts the Mastodon draft, then asks for approval
    log_in(page, lead.username, fresh=True)
    page.goto(reverse("relay:message-detail", args=[activation.slug, task.message_id]))
    draft = page.locator(f"#draft-{task.pk}")
    draft.fill(task.text + "\nInfos : 04 67 00 00 00")
    expect(page.locator(f"#count-{task.pk}")).to_contain_text(
        f"{len(draft.input_value())} / 500"
    )
    page.locator(f"#task-{task.pk} .relay-draft-form button").click()
    page.locator(f"#task-{task.pk} form[action$='request-approval/'] button").click()
    expect(page.locator(f"#task-{task.pk} .relay-status")).to_contain_text(
        "Awaiting approval"
    )
    screenshot("relay-lead-drafts")

    # the liaison approves
    log_in(page, liaison.username, fresh=True)
    page.goto(reverse("relay:message-detail", args=[activation.slug, task.message_id]))
    page.locator(f"#task-{task.pk} .relay-approve").click()
    expect(page.locator(f"#task-{task.pk} .relay-approved")).to_be_visible()

    # the team lead double-clicks "publish", and clicks it again in a second tab
    # opened before (Chromium sends one request for a double click; the stale tab
    # is the double submission the server must refuse)
    log_in(page, lead.username, fresh=True)
    detail = reverse("relay:message-detail", args=[activation.slug, task.message_id])
    stale = page.context.new_page()
    stale.goto(detail)
    page.goto(detail)
    sent = []
    page.context.on(
        "request",
        lambda r: (
            sent.append(r.url)
            if r.method == "POST" and r.url.endswith("/publish/")
            else None
        ),
    )
    page.locator(f"#task-{task.pk} .relay-publish").dblclick()
    link = page.locator(f"#task-{task.pk} .relay-published-link")
    expect(link).to_be_visible()
    stale.locator(f"#task-{task.pk} .relay-publish").click()
    expect(stale.locator(".messages")).to_contain_text("Already published on Mastodon")
    page.reload()
    expect(link).to_have_attribute("href", fake.statuses[task.idempotency_key]["url"])
    screenshot("relay-published")
    stale.screenshot(
        path=str(screenshot("relay-published").parent / "relay-second-submission.png"),
        full_page=True,
    )
    assert len(sent) >= 2  # at least two publish requests reached the server
    assert len(fake.writes()) == 1  # and one post went out
    assert fake.statuses[task.idempotency_key]["content"].endswith("04 67 00 00 00")

    # the outbox holds nothing yet (X and Bluesky drafts wait for approval)
    page.goto(reverse("relay:outbox", args=[activation.slug]))
    screenshot("relay-outbox")
