"""The triage workspace in Chromium: a volunteer triages five items with the keyboard
only, hostile posts never run script, and a screenshot of every workspace state."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from activations.models import ActivationMember
from monitoring import triage
from monitoring.models import Cluster, Escalation, TriageDecision
from tests.browser.support import log_in
from tests.factories import (
    ActivationFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    make_item,
    make_member,
)
from verification.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role
Kind = TriageDecision.Kind


def _press(page, *keys, url=None):
    """Press keys; when `url` is given, wait for the page it leads to."""
    for key in keys:
        page.keyboard.press(key)
    if url is not None:
        page.wait_for_url(url)


def _item_url(activation, cluster):
    return re.compile(rf"/a/{activation.slug}/triage/{cluster.pk}/$")


def _workspace_fixture():
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", timezone="Europe/Paris"
    )
    lea = make_member(
        activation, Role.VOLUNTEER, username="lea", first_name="Léa", last_name="Martin"
    ).user
    marc = make_member(
        activation,
        Role.TEAM_LEAD,
        username="marc",
        first_name="Marc",
        last_name="Petit",
    ).user
    make_member(activation, Role.LIAISON, username="sophie", first_name="Sophie")
    shift = ShiftFactory(
        activation=activation,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    for person in (lea, marc):
        ShiftAssignmentFactory(shift=shift, user=person, checked_in_at=timezone.now())
    texts = [
        (
            0.92,
            "infrastructure",
            "Promo -50% sur les bottes de pluie, livraison gratuite ce week-end !",
        ),
        (
            0.85,
            "infrastructure",
            "Route D986 coupée au pont de Saint-Martin, l'eau passe par-dessus.\n"
            "Ne tentez pas de traverser.",
        ),
        (0.8, "caution", "Quelqu'un sait si le tram ligne 3 circule encore ?"),
        (
            0.7,
            "other_relevant",
            "On dit que le barrage de Salagou a cédé ??? quelqu'un confirme ?",
        ),
        (
            0.6,
            "request",
            "Personne âgée bloquée au 1er étage rue des Lilas, l'eau monte, "
            "elle ne peut pas sortir",
        ),
        (0.3, "sympathy", "Courage à tous les Héraultais 💙"),
    ]
    items = [
        make_item(
            activation,
            text=text,
            priority=priority,
            category=category,
            copies=3 if i == 1 else 1,
            author_meta={
                "followers_count": 1200 + i,
                "verified": i == 1,
                "created_at": "2019-03-01T10:00:00Z",
            },
        )
        for i, (priority, category, text) in enumerate(texts)
    ]
    return activation, items


def test_a_volunteer_triages_five_items_with_the_keyboard_only(page, screenshot):
    # given
    activation, (a, b, c, d, e, f) = _workspace_fixture()
    log_in(page, "lea")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/a/{activation.slug}/triage/")
    expect(page.get_by_text("Léa Martin").first).to_be_visible()
    screenshot("triage-workspace")

    # n: the most urgent item
    _press(page, "n", url=_item_url(activation, a))
    expect(page.locator(".item-text")).to_contain_text("bottes de pluie")
    expect(page.locator("#lease")).to_contain_text("This item is yours until")
    screenshot("triage-item")

    # ?: the help overlay lists every shortcut; Escape closes it
    _press(page, "?")
    help_dialog = page.locator("#triage-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.locator("dt")).to_have_count(16)
    screenshot("triage-help")
    _press(page, "Escape")
    expect(help_dialog).to_be_hidden()

    # x: not relevant, and on to the next item
    _press(page, "x", url=_item_url(activation, b))
    expect(page.locator("#undo-bar")).to_contain_text("Decided: Not relevant")
    screenshot("triage-after-decision-undo")

    # r 5 Tab "pont" Enter: relevant, infrastructure, tagged
    _press(page, "r")
    expect(page.locator("#id_category")).to_be_focused()
    _press(page, "5", "Tab")
    page.keyboard.type("pont crue")
    screenshot("triage-relevant-mode")
    _press(page, "Enter", url=_item_url(activation, c))

    # s: skip
    _press(page, "s", url=_item_url(activation, d))

    # v + the claim + Enter: needs verification
    _press(page, "v")
    expect(page.locator("#id_note")).to_be_focused()
    page.keyboard.type("Le barrage du Salagou a-t-il cédé ?")
    _press(page, "Enter", url=_item_url(activation, e))

    # z: undo it, the item is ours again
    _press(page, "z", url=_item_url(activation, d))
    expect(page.locator(".messages")).to_contain_text("Decision undone")
    # and decide it for good: not relevant
    _press(page, "x", url=_item_url(activation, e))

    # u then Enter: urgent (life-safety)
    _press(page, "u")
    expect(page.locator("[data-action=urgent]")).to_be_focused()
    expect(page.locator("[data-mode-hint]")).to_contain_text("press Enter to confirm")
    screenshot("triage-urgent-confirm")
    _press(page, "Enter", url=_item_url(activation, f))

    # e: release the last one; g q: back to the queue
    _press(page, "e", url=re.compile(rf"/a/{activation.slug}/triage/$"))
    _press(page, "n", url=_item_url(activation, f))
    _press(page, "g", "q", url=re.compile(rf"/a/{activation.slug}/triage/$"))

    # then the database holds exactly these decisions
    state = {
        item.pk: Cluster.objects.values_list("status", "decision", "category").get(
            pk=item.pk
        )
        for item in (a, b, c, d, e)
    }
    assert state == {
        a.pk: ("done", Kind.NOT_RELEVANT, "not_relevant"),
        b.pk: ("done", Kind.RELEVANT, "infrastructure"),
        c.pk: ("new", "", "caution"),
        d.pk: ("done", Kind.NOT_RELEVANT, "not_relevant"),
        e.pk: ("done", Kind.URGENT, "request"),
    }
    assert TriageDecision.objects.get(cluster=b).tags == ["pont", "crue"]
    assert [
        (kind, undone is not None)
        for kind, undone in TriageDecision.objects.filter(cluster=d)
        .order_by("created_at")
        .values_list("kind", "undone_at")
    ] == [(Kind.VERIFY, True), (Kind.NOT_RELEVANT, False)]
    assert TriageDecision.objects.filter(cluster=c, kind=Kind.SKIP).count() == 1
    assert Escalation.objects.filter(cluster=e, status=Escalation.Status.OPEN).exists()
    assert not Case.objects.filter(cluster=d).exists()
    f.refresh_from_db()
    assert f.claimed_by is not None  # Léa holds it again after "n"
    assert dialogs == []


def test_expired_claim_and_conflicts_are_explained(page, screenshot):
    # given Léa holds an item whose lease then runs out
    activation, (a, *_rest) = _workspace_fixture()
    log_in(page, "lea")
    page.clock.install()
    page.goto(f"/a/{activation.slug}/triage/")
    _press(page, "n", url=_item_url(activation, a))
    Cluster.objects.filter(pk=a.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # when the ten minutes pass with nobody at the keyboard
    page.clock.run_for("10:05")
    # then the page says so by itself
    expect(page.locator("#lease")).to_contain_text("has expired")
    # and a decision is refused, nothing changed
    _press(page, "x", url=_item_url(activation, a))
    expect(page.locator(".message-error")).to_contain_text("expired at")
    screenshot("triage-expired")
    a.refresh_from_db()
    assert a.status == Cluster.Status.IN_TRIAGE
    assert not TriageDecision.objects.exists()


def test_the_lease_is_renewed_while_the_volunteer_is_active(page):
    # given Léa reading an item, the page's clock under control
    activation, (a, *_rest) = _workspace_fixture()
    log_in(page, "lea")
    page.clock.install()
    page.goto(f"/a/{activation.slug}/triage/")
    _press(page, "n", url=_item_url(activation, a))
    # when she is still active 7 minutes later and the lease nears its end
    page.clock.run_for("07:00")
    page.mouse.move(200, 300)
    page.mouse.move(220, 320)
    with page.expect_response(re.compile(rf"/triage/{a.pk}/renew/$")) as renewal:
        page.clock.run_for("01:30")
    # then the page asked for more time by itself, and got it
    assert renewal.value.status == 200
    expect(page.locator("#lease")).to_have_attribute(
        "data-seconds-left", re.compile(r"^(59\d|600)$")
    )
    expect(page.locator("#lease")).not_to_have_class(re.compile("lease-lost"))


def test_the_counters_show_a_new_urgent_item_without_reload(page):
    # given Léa on the workspace, nothing urgent
    activation = ActivationFactory(slug="veille-30")
    make_member(activation, Role.VOLUNTEER, username="lea")
    make_item(activation, priority=0.1)
    log_in(page, "lea")
    page.goto(f"/a/{activation.slug}/triage/")
    expect(page.locator(".counter-urgent dd")).to_have_text("0")
    # when an urgent item comes in
    make_item(activation, priority=0.95, text="Enfant emporté par le courant")
    # then within 5 s, without reload
    expect(page.locator(".counter-urgent dd")).to_have_text("1", timeout=5000)
    expect(page.locator(".counter-urgent")).to_have_class(re.compile("is-new"))
    expect(page.locator("#triage-announce")).to_contain_text("1 new urgent item")


def test_a_team_lead_filters_selects_and_bulk_decides(page, screenshot):
    # given Léa holds the most urgent item
    activation, (a, b, *_rest) = _workspace_fixture()
    lea = User.objects.get(username="lea")
    assert triage.item_claim_next(activation=activation, user=lea).pk == a.pk
    log_in(page, "marc")
    page.goto(f"/a/{activation.slug}/triage/?priority=urgent")
    expect(page.locator("tr[data-row]")).to_have_count(3)
    # when Marc selects two rows with the keyboard (j, space, j, space)
    _press(page, "j", "Space", "j", "Space")
    expect(page.locator("[data-selected-count]")).to_have_text("2 items selected:")
    screenshot("triage-lead-table")
    page.get_by_role("button", name="Mark not relevant").click()
    # then the held item is left to Léa, with the reason
    expect(page.locator(".messages")).to_contain_text("1 item decided.")
    expect(page.locator(".messages")).to_contain_text(
        f"Item #{a.pk} not changed: Léa Martin is working on it."
    )
    screenshot("triage-lead-bulk-result")
    assert Cluster.objects.get(pk=b.pk).decision == Kind.NOT_RELEVANT
    assert Cluster.objects.get(pk=a.pk).claimed_by == lea
    # and the held item is read only for him
    page.goto(f"/a/{activation.slug}/triage/{a.pk}/")
    expect(page.locator(".state-held")).to_contain_text("Léa Martin is working on it")
    screenshot("triage-held-by-other")


def test_check_out_hands_the_items_back(page, screenshot):
    # given Léa on duty, holding an item
    activation, (a, *_rest) = _workspace_fixture()
    log_in(page, "lea")
    page.goto(f"/a/{activation.slug}/triage/")
    _press(page, "n", url=_item_url(activation, a))
    _press(page, "g", "q", url=re.compile(rf"/a/{activation.slug}/triage/$"))
    # when she checks out from the workspace
    page.get_by_role("link", name="Check out…").click()
    note = page.get_by_label("Handover note")
    expect(note).to_have_value(re.compile(rf"- queue item {a.pk}: Promo -50%"))
    expect(page.locator(".check-out-claims")).to_contain_text("You hold 1 queue item")
    screenshot("triage-check-out")
    page.get_by_role("button", name="Check out").click()
    # then
    expect(page.locator(".messages")).to_contain_text(
        "1 queue item you held went back to the queue."
    )
    a.refresh_from_db()
    assert (a.status, a.claimed_by) == (Cluster.Status.NEW, None)


def test_empty_queue(page, screenshot):
    activation = ActivationFactory(slug="calme-12")
    make_member(activation, Role.VOLUNTEER, username="lea", first_name="Léa")
    log_in(page, "lea")
    page.goto(f"/a/{activation.slug}/triage/")
    expect(page.locator(".queue-empty")).to_be_visible()
    _press(page, "n", url=re.compile(rf"/a/{activation.slug}/triage/$"))
    expect(page.locator(".messages")).to_contain_text("Nothing is waiting")
    screenshot("triage-empty")


XSS_TEXTS = [
    "<script>alert(1)</script> Besoin d'aide rue des Lilas",
    '<img src=x onerror=alert(1)> "><svg onload=alert(1)>',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe> javascript:alert(1)",
    '<a href="javascript:alert(1)">cliquez</a> <body onload=alert(1)>',
]


def test_hostile_posts_never_run_script(page, screenshot):
    # given items made of an XSS corpus
    activation = ActivationFactory(slug="xss-34")
    make_member(activation, Role.TEAM_LEAD, username="marc", first_name="Marc")
    for i, text in enumerate(XSS_TEXTS):
        make_item(
            activation,
            text=text,
            priority=0.9 - i / 10,
            author_name='<img src=x onerror=alert("author")>',
            author_handle='"><svg onload=alert(2)>',
            url="javascript:alert(3)",
            place_name="<script>alert('place')</script>",
            author_meta={"url": "javascript:alert(4)", "created_at": "<b>x</b>"},
            media=[
                {"type": "image", "url": "javascript:alert(5)"},
                {"type": "image", "url": "data:text/html,<script>alert(6)</script>"},
                {
                    "type": "video",
                    "url": "javascript:alert(7)",
                    "preview_url": "javascript:alert(8)",
                },
            ],
        )
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "marc")
    # when the team lead reads the table and goes through every item
    page.goto(f"/a/{activation.slug}/triage/")
    expect(
        page.get_by_text("<script>alert(1)</script>", exact=False).first
    ).to_be_visible()
    screenshot("triage-xss-table")
    _press(page, "n")
    page.wait_for_url(re.compile(r"/triage/\d+/$"))
    expect(page.locator(".item-text")).to_contain_text("<script>alert(1)</script>")
    expect(page.locator(".author-name")).to_have_text(
        '<img src=x onerror=alert("author")>'
    )
    screenshot("triage-xss-item")
    for _ in XSS_TEXTS:
        current = page.url
        _press(page, "x")
        page.wait_for_function("url => location.href !== url", arg=current)
        page.wait_for_load_state()
        _press(page, "o")  # no original link: nothing opens
    # then nothing ran
    assert dialogs == []
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("img[src^='javascript:'], img[src^='data:']").count() == 0
