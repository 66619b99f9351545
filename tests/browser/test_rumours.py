"""The rumour register in Chromium: a team lead records a rumour from a queue item,
drafts and submits a counter-message; the authority's liaison approves it; the
team lead records where it was relayed."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import ActivationMember
from monitoring.models import Post
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member
from verification.models import Relay, Rumour
from verification.services import rumours as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _log_out(page):
    page.locator("form.logout button[type=submit]").click()
    expect(page.get_by_label("Mot de passe")).to_be_visible()


def _spread(item, start, minutes):
    """Give the item's posts times `minutes` after `start` (in that order)."""
    posts = list(Post.objects.filter(cluster=item).order_by("external_id"))
    for post, offset in zip(posts, minutes, strict=True):
        post.posted_at = start + dt.timedelta(minutes=offset)
        post.save(update_fields=["posted_at"])


def _fixture():
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", timezone="Europe/Paris"
    )
    make_member(
        activation,
        Role.TEAM_LEAD,
        username="camille",
        first_name="Camille",
        last_name="Roux",
    )
    make_member(
        activation, Role.LIAISON, username="lou", first_name="Lou", last_name="Martin"
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        hours=5
    )
    dam = make_item(
        activation,
        copies=6,
        text="On dit que le barrage du Salagou a cédé, évacuez Clermont !!! <b>partagez</b>",
        category="rumour",
    )
    Post.objects.filter(cluster=dam).update(platform="x")
    _spread(dam, start, [5, 20, 70, 80, 95, 200])
    echo = make_item(
        activation,
        copies=4,
        text="Barrage du Salagou rompu ? des amis à Clermont disent que l'eau arrive",
        category="rumour",
    )
    Post.objects.filter(cluster=echo).update(platform="bluesky")
    _spread(echo, start, [65, 130, 140, 260])
    # another rumour, already debunked, for the list
    other = services.rumour_create(
        activation=activation,
        by=ActivationMember.objects.get(user__username="camille").user,
        claim="Les pompiers réquisitionnent les bateaux des particuliers",
        first_seen_at=start - dt.timedelta(hours=3),
    )
    services.rumour_set_status(
        rumour=other,
        by=other.created_by,
        status="debunked",
        version=other.version,
        note="Démenti du SDIS 34",
    )
    return activation, dam, echo


def test_a_rumour_goes_from_detection_to_relay(page, screenshot):
    activation, dam, echo = _fixture()
    problems = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )

    # The live server's first request imports the whole URL map (and with it the
    # classifier's scikit-learn): slow on a busy 2-core machine, so wait for it once.
    page.goto("/accounts/login/", timeout=180_000)

    # --- the team lead records the rumour from the queue item ---
    log_in(page, "camille")
    page.goto(f"/a/{activation.slug}/rumours/")
    page.get_by_role("link", name="Record a rumour").click()
    page.get_by_label("Claim").fill(
        "Le barrage du Salagou aurait cédé ; évacuation de Clermont-l'Hérault."
    )
    page.get_by_label("Linked queue items").fill(f"#{dam.pk}")
    page.get_by_role("button", name="Record the rumour").click()
    expect(page.get_by_text("Rumour R2 recorded.")).to_be_visible()
    # link the second item (another platform) by its number
    page.get_by_label("Queue items or post links").fill(str(echo.pk))
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text("1 link added.")).to_be_visible()
    expect(page.locator(".reach-chart rect.bar")).not_to_have_count(0)
    # the post text is shown as text, never as markup
    expect(page.get_by_text("<b>partagez</b>").first).to_be_visible()

    # --- drafts the counter-message ---
    editor = page.get_by_label("Text to publish")
    editor.fill(
        "Le barrage du Salagou n'a pas cédé. Aucune évacuation n'est ordonnée à "
        "Clermont-l'Hérault. Informations officielles : @Prefet34."
    )
    expect(page.locator(".counter-length")).to_contain_text("X")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Counter-message draft saved.")).to_be_visible()
    page.get_by_role("button", name="Change the status").scroll_into_view_if_needed()
    page.get_by_label("New status").select_option("verifying")
    page.get_by_label("Note").fill("Appel au gestionnaire du barrage en cours")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("Status set to “Verifying”.")).to_be_visible()
    screenshot("rumours-detail-draft")

    # --- and submits it to the authority ---
    page.get_by_role("button", name="Submit to the authority").click()
    expect(
        page.get_by_text(
            "Counter-message submitted: the authority's liaison has been notified."
        )
    ).to_be_visible()
    expect(
        page.get_by_text("Submitted by Camille Roux, waiting for the authority")
    ).to_be_visible()
    screenshot("rumours-detail-submitted")
    rumour = Rumour.objects.get(activation=activation, number=2)
    assert rumour.counter_status == "submitted"
    _log_out(page)

    # --- the liaison approves it (no author handles on their page) ---
    log_in(page, "lou")
    page.goto(f"/a/{activation.slug}/rumours/2/")
    expect(page.get_by_text("account 1", exact=True).first).to_be_visible()
    assert "@witness" not in page.content()
    # the same page left open in another tab (a stale page)
    stale = page.context.new_page()
    stale.goto(f"/a/{activation.slug}/rumours/2/")
    page.bring_to_front()
    page.get_by_label("Approve").check()
    page.get_by_label("Remarks").fill("Validé, merci de citer la préfecture.")
    screenshot("rumours-detail-liaison-deciding")
    page.get_by_role("button", name="Send the decision").click()
    expect(
        page.get_by_text("Counter-message approved: the team has been told.")
    ).to_be_visible()
    # deciding again from the stale tab is refused, naming who approved
    stale.get_by_label("Reject").check()
    stale.get_by_label("Remarks").fill("Finalement non")
    stale.get_by_role("button", name="Send the decision").click()
    expect(stale.get_by_text("already approved by Lou Martin at").first).to_be_visible()
    stale.screenshot(
        path=str(
            screenshot("rumours-detail-liaison-approved").parent
            / "rumours-detail-liaison-conflict.png"
        ),
        full_page=True,
    )
    stale.close()
    assert Rumour.objects.get(pk=rumour.pk).counter_status == "approved"
    _log_out(page)

    # --- the team lead records the relay ---
    log_in(page, "camille")
    page.goto(f"/a/{activation.slug}/rumours/2/")
    expect(page.get_by_text("Approved by Lou Martin")).to_be_visible()
    page.get_by_label("Channel").select_option("mastodon")
    page.get_by_role("textbox", name="Link", exact=True).fill(
        "https://mastodon.social/@vost34/113"
    )
    page.get_by_role("button", name="Record the relay").click()
    expect(page.get_by_text("Relay recorded.")).to_be_visible()
    expect(
        page.locator(".relay-table a[href='https://mastodon.social/@vost34/113']")
    ).to_have_attribute("rel", "noopener noreferrer nofollow")
    screenshot("rumours-detail-approved-relay")
    assert Relay.objects.filter(rumour__number=2, channel="mastodon").count() == 1

    page.goto(f"/a/{activation.slug}/rumours/")
    expect(page.locator("#rumour-2")).to_contain_text("Approved")
    expect(page.locator("#rumour-2")).to_contain_text("1 relay")
    screenshot("rumours-list")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/a/{activation.slug}/rumours/2/")
    screenshot("rumours-detail-phone")
    assert not [
        p for p in problems if "Content Security Policy" in p or "Refused" in p
    ], problems
