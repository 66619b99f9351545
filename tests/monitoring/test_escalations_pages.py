"""Escalation pages: role matrix, IDOR, acknowledging, hostile post text, polling."""

import re

import pytest
from django.urls import reverse

from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.escalations import (
    escalation_acknowledge,
    escalation_cancel,
    escalation_raise,
)
from monitoring.models import Escalation
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_member,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _state():
    return {
        "escalations": list(Escalation.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "log": list(LogEntry.objects.order_by("pk").values()),
    }


def _escalation(
    activation, text="Famille bloquée sur le toit, rue des Lilas", **item_fields
):
    raiser = make_member(
        activation, Role.VOLUNTEER, first_name="Léa", last_name="Garnier"
    ).user
    item = make_item(activation, text=text, **item_fields)
    return escalation_raise(cluster=item, by=raiser, note="Enfants avec eux")


def _list_url(activation):
    return reverse("monitoring:escalation-list", args=[activation.slug])


def _detail_url(escalation):
    return reverse(
        "monitoring:escalation-detail", args=[escalation.activation.slug, escalation.pk]
    )


def _ack_url(escalation):
    return reverse(
        "monitoring:escalation-acknowledge",
        args=[escalation.activation.slug, escalation.pk],
    )


def _login_as(client, who, activation):
    if who == "anonymous":
        return None
    user = UserFactory() if who == "non-member" else make_member(activation, who).user
    client.force_login(user)
    return user


# --- role matrix -----------------------------------------------------------------------
PAGES = {
    "list": ("get", Action.VIEW_ESCALATIONS, 200, lambda e: _list_url(e.activation)),
    "detail": ("get", Action.VIEW_ESCALATIONS, 200, _detail_url),
    "acknowledge": ("post", Action.ACKNOWLEDGE_ESCALATION, 302, _ack_url),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, ok, url = PAGES[page]
    escalation = _escalation(activation)
    _login_as(client, who, activation)
    before = _state()
    # when
    response = getattr(client, method)(url(escalation))
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok
        if method == "post":
            escalation.refresh_from_db()
            assert escalation.status == Escalation.Status.ACKNOWLEDGED
        return
    else:
        assert response.status_code == 403
    assert _state() == before


def test_only_liaisons_and_coordinators_may_acknowledge():
    allowed = {
        role
        for role in ALL_ROLES
        if Action.ACKNOWLEDGE_ESCALATION in ROLE_ACTIONS[role]
    }
    assert allowed == {Role.LIAISON, Role.COORDINATOR}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_acknowledge_is_post_only(client, activation, method):
    escalation = _escalation(activation)
    _login_as(client, Role.LIAISON, activation)
    before = _state()
    assert getattr(client, method)(_ack_url(escalation)).status_code == 405
    assert _state() == before


# --- IDOR ------------------------------------------------------------------------------
@pytest.mark.parametrize("page", list(PAGES))
def test_an_escalation_of_another_activation_is_404(client, activation, page):
    # given: a coordinator here, and an escalation in another activation
    method, _action, _ok, _url = PAGES[page]
    foreign = _escalation(ActivationFactory())
    _login_as(client, Role.COORDINATOR, activation)
    before = _state()
    # when: reached through this activation's slug, then through its own
    here = (
        reverse(f"monitoring:escalation-{page}", args=[activation.slug, foreign.pk])
        if page != "list"
        else None
    )
    there = _url(foreign)
    # then
    if here:
        assert getattr(client, method)(here).status_code == 404
    assert getattr(client, method)(there).status_code == 404
    assert _state() == before


def test_missing_escalation_is_404(client, activation):
    _login_as(client, Role.COORDINATOR, activation)
    assert (
        client.get(
            reverse("monitoring:escalation-detail", args=[activation.slug, 999999])
        ).status_code
        == 404
    )


# --- list ------------------------------------------------------------------------------
def test_the_list_shows_open_ones_first_with_a_running_timer(client, activation):
    # given: an acknowledged escalation, then an open one, a withdrawn one
    acked = _escalation(activation, text="Arbre sur la voie ferrée")
    coordinator = make_member(
        activation, Role.COORDINATOR, first_name="Camille", last_name="Moreau"
    ).user
    escalation_acknowledge(escalation=acked, by=coordinator)
    open_one = _escalation(activation, text="Voiture emportée au gué")
    withdrawn = _escalation(activation, text="Fausse alerte")
    escalation_cancel(escalation=withdrawn, by=coordinator, reason="undo")
    client.force_login(make_member(activation, Role.LIAISON).user)
    # when
    html = client.get(_list_url(activation)).content.decode()
    # then
    positions = [
        html.index(f'id="escalation-{e.pk}"') for e in (open_one, withdrawn, acked)
    ]
    assert positions == sorted(positions)
    assert re.search(
        r'<time class="esc-timer" role="timer" datetime="[^"]+" data-since="[^"]+" data-elapsed="\d+">\d+ s</time>',
        html,
    )
    assert "Acknowledged by Camille Moreau at" in html
    assert "Acknowledged after" in html
    assert "1 notification sent" in html
    assert "Raised by Léa Garnier at" in html
    assert "js/escalations.js" in html
    assert 'hx-trigger="every 5s"' in html


def test_the_open_filter_hides_the_others(client, activation):
    acked = _escalation(activation, text="Arbre sur la voie ferrée")
    escalation_acknowledge(
        escalation=acked, by=make_member(activation, Role.COORDINATOR).user
    )
    open_one = _escalation(activation, text="Voiture emportée au gué")
    client.force_login(make_member(activation, Role.OBSERVER).user)
    html = client.get(_list_url(activation), {"show": "open"}).content.decode()
    assert f'id="escalation-{open_one.pk}"' in html
    assert f'id="escalation-{acked.pk}"' not in html
    assert "?show=open" in html  # the poll keeps the filter


def test_the_htmx_poll_gets_only_the_list(client, activation):
    escalation = _escalation(activation)
    client.force_login(make_member(activation, Role.LIAISON).user)
    response = client.get(_list_url(activation), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="escalation-list"')
    assert f'id="escalation-{escalation.pk}"' in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_the_list_query_count_does_not_grow_with_escalations(
    client, activation, django_assert_max_num_queries
):
    user = make_member(activation, Role.LIAISON).user
    client.force_login(user)
    _escalation(activation)
    with django_assert_max_num_queries(20) as one:
        client.get(_list_url(activation))
    for _ in range(5):
        _escalation(activation)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(_list_url(activation))


def test_an_empty_list_says_so(client, activation):
    client.force_login(make_member(activation, Role.LIAISON).user)
    html = client.get(_list_url(activation)).content.decode()
    assert "No escalation yet." in html


# --- detail and acknowledging --------------------------------------------------------
def test_a_liaison_reads_the_item_and_acknowledges_it(client, activation):
    # given
    escalation = _escalation(activation)
    liaison = make_member(
        activation, Role.LIAISON, first_name="Nadia", last_name="Bernard"
    ).user
    client.force_login(liaison)
    # when: the page shows the item and the form
    html = client.get(_detail_url(escalation)).content.decode()
    # then
    assert "Famille bloquée sur le toit, rue des Lilas" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "account-" in html  # the author is pseudonymised for liaisons (issue 9)
    assert "Montpellier" in html
    assert "Enfants avec eux" in html
    assert "Léa Garnier" in html
    assert _ack_url(escalation) in html
    assert "/triage/" not in html  # nothing of the queue for a liaison
    # when: acknowledging with a note
    response = client.post(
        _ack_url(escalation), {"note": "Transmis au CODIS"}, follow=True
    )
    # then
    html = response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.ACKNOWLEDGED
    assert escalation.acknowledged_by == liaison
    assert escalation.ack_note == "Transmis au CODIS"
    assert "You acknowledged this urgent item; Léa Garnier has been told." in html
    assert "Acknowledged by Nadia Bernard at" in html
    assert "Transmis au CODIS" in html
    assert _ack_url(escalation) not in html


def test_a_second_acknowledgement_is_refused_and_says_by_whom(client, activation):
    # given: the coordinator acknowledged first
    escalation = _escalation(activation)
    coordinator = make_member(
        activation, Role.COORDINATOR, first_name="Camille", last_name="Moreau"
    ).user
    escalation_acknowledge(escalation=escalation, by=coordinator)
    client.force_login(make_member(activation, Role.LIAISON).user)
    before = _state()
    # when: the liaison submits from a stale page
    response = client.post(_ack_url(escalation), {"note": "moi"}, follow=True)
    # then
    assert "Already acknowledged by Camille Moreau at" in response.content.decode()
    assert _state() == before


def test_a_too_long_note_is_refused(client, activation):
    escalation = _escalation(activation)
    client.force_login(make_member(activation, Role.LIAISON).user)
    before = _state()
    response = client.post(_ack_url(escalation), {"note": "x" * 2001}, follow=True)
    assert "The note is too long" in response.content.decode()
    assert _state() == before


def test_observers_and_volunteers_see_no_acknowledge_form(client, activation):
    escalation = _escalation(activation)
    for role in (Role.OBSERVER, Role.VOLUNTEER, Role.TEAM_LEAD):
        client.force_login(make_member(activation, role).user)
        html = client.get(_detail_url(escalation)).content.decode()
        assert _ack_url(escalation) not in html
        assert (
            "The on-duty liaisons and the coordinators acknowledge urgent items."
            in html
        )


def test_a_withdrawn_escalation_says_so(client, activation):
    escalation = _escalation(activation)
    coordinator = make_member(activation, Role.COORDINATOR).user
    escalation_cancel(escalation=escalation, by=coordinator, reason="undo")
    client.force_login(coordinator)
    html = client.get(_detail_url(escalation)).content.decode()
    assert "Withdrawn: the urgent decision was undone." in html
    assert _ack_url(escalation) not in html


# --- hostile content -------------------------------------------------------------------
def test_hostile_post_text_is_escaped_everywhere(client, activation):
    # given: the coordinator gets the alert, whose title and body quote the post
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    escalation = _escalation(
        activation,
        text=XSS,
        url="javascript:alert(3)",
        author_handle=XSS,
        place_name=XSS,
    )
    # when
    pages = [
        client.get(_list_url(activation)).content.decode(),
        client.get(
            _list_url(activation), headers={"HX-Request": "true"}
        ).content.decode(),
        client.get(_detail_url(escalation)).content.decode(),
        client.get(reverse("accounts:notifications")).content.decode(),
    ]
    # then
    for html in pages:
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "javascript:alert(3)" not in html
        assert (
            "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
            in html
        )
