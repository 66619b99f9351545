"""Public help pages: role matrix, CSRF, escaping, bad input, prefill from a post."""

import pytest
from django.test import Client
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from publichelp import services
from publichelp.models import AidEntry, ReplyTemplate
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_member,
)
from tests.publichelp.support import XSS, entry, state

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Kind = AidEntry.Kind
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _pair(activation):
    need = entry(activation, kind=Kind.NEED)
    offer = entry(activation, kind=Kind.OFFER, km_east=1)
    return need, offer


def _library(_activation):
    services.reply_library_seed()
    return ReplyTemplate.objects.get(activation=None, situation="heat", language="fr")


# name: (method, action, make args, data, ok status)
PAGES = {
    "home": ("get", Action.VIEW_PUBLIC_HELP, lambda a: [], None, 200),
    "entry-new": ("get", Action.MANAGE_PUBLIC_HELP, lambda a: [], None, 200),
    "entry-new post": (
        "post",
        Action.MANAGE_PUBLIC_HELP,
        lambda a: [],
        {
            "kind": "need",
            "category": "shelter",
            "description": "Lit",
            "lat": "43.6",
            "lon": "3.88",
        },
        302,
    ),
    "entry-detail": (
        "get",
        Action.VIEW_PUBLIC_HELP,
        lambda a: [_pair(a)[0].pk],
        None,
        200,
    ),
    "entry-match": (
        "post",
        Action.MANAGE_PUBLIC_HELP,
        lambda a: [p.pk for p in _pair(a)],
        None,
        302,
    ),
    "entry-status": (
        "post",
        Action.MANAGE_PUBLIC_HELP,
        lambda a: [_pair(a)[0].pk],
        {"status": "closed", "version": "1"},
        302,
    ),
    "replies": ("get", Action.VIEW_PUBLIC_HELP, lambda a: [], None, 200),
    "replies-manage": ("get", Action.MANAGE_REPLY_TEMPLATES, lambda a: [], None, 200),
    "reply-new": ("get", Action.MANAGE_REPLY_TEMPLATES, lambda a: [], None, 200),
    "reply-customise": (
        "post",
        Action.MANAGE_REPLY_TEMPLATES,
        lambda a: [_library(a).pk],
        None,
        302,
    ),
    "reply-active": (
        "post",
        Action.MANAGE_REPLY_TEMPLATES,
        lambda a: [_library(a).pk],
        {"active": "0"},
        302,
    ),
}


def _everything():
    return (
        state(),
        list(
            ReplyTemplate.objects.order_by("pk").values_list(
                "pk", "is_active", "version"
            )
        ),
    )


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, make, data, ok = PAGES[page]
    name = page.split(" ")[0]
    args = make(activation)
    payload = dict(data or {})
    if name == "entry-match":
        args, payload = [args[0]], {"other": args[1]}
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    url = reverse(f"publichelp:{name}", args=[activation.slug, *args])
    before = _everything()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert _everything() == before


def test_liaisons_have_no_public_help_tab(client, activation):
    client.force_login(make_member(activation, Role.LIAISON).user)
    page = client.get(reverse("activations:activation-detail", args=[activation.slug]))
    assert reverse("publichelp:home", args=[activation.slug]) not in page.text
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    page = client.get(reverse("activations:activation-detail", args=[activation.slug]))
    assert reverse("publichelp:home", args=[activation.slug]) in page.text


def test_entry_of_another_activation_is_404(client, activation):
    other = entry(ActivationFactory())
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    assert (
        client.get(
            reverse("publichelp:entry-detail", args=[activation.slug, other.pk])
        ).status_code
        == 404
    )
    response = client.post(
        reverse("publichelp:entry-status", args=[activation.slug, other.pk]),
        {"status": "closed", "version": "1"},
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == AidEntry.Status.OPEN


def test_csrf_is_enforced(activation):
    need, offer = _pair(activation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    before = state()
    response = client.post(
        reverse("publichelp:entry-match", args=[activation.slug, need.pk]),
        {"other": offer.pk},
    )
    assert response.status_code == 403
    assert state() == before


def test_descriptions_are_escaped_on_the_board_and_the_entry(client, activation):
    need = entry(activation, kind=Kind.NEED, description=XSS)
    entry(activation, kind=Kind.OFFER, description=XSS + " offre", km_east=1)
    client.force_login(make_member(activation, Role.OBSERVER).user)
    for url in (
        reverse("publichelp:home", args=[activation.slug]),
        reverse("publichelp:entry-detail", args=[activation.slug, need.pk]),
    ):
        text = client.get(url).text
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_board_shows_needs_offers_and_suggested_matches(client, activation):
    need, offer = _pair(activation)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    response = client.get(reverse("publichelp:home", args=[activation.slug]))
    assert response.status_code == 200
    assert [n.pk for n in response.context["needs"]] == [need.pk]
    assert [o.pk for o in response.context["offers"]] == [offer.pk]
    assert [m.entry.pk for m in response.context["needs"][0].suggestions] == [offer.pk]
    filtered = client.get(
        reverse("publichelp:home", args=[activation.slug]),
        {"kind": "offer", "category": "medical"},
    )
    assert filtered.context["offers"] == []
    assert not filtered.context["show_needs"]


def test_bad_entry_input_is_refused_with_400_and_nothing_changes(client, activation):
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("publichelp:entry-new", args=[activation.slug])
    for data in (
        {"kind": "need", "category": "shelter", "description": "x"},  # no area
        {"kind": "need", "category": "nope", "description": "x", "place_name": "Lunel"},
        {
            "kind": "need",
            "category": "shelter",
            "description": "x",
            "place_name": "Atlantide",
        },
        {"kind": "need", "category": "shelter", "description": "x", "lat": "43.6"},
    ):
        response = client.post(url, data)
        assert response.status_code == 400
    assert AidEntry.objects.count() == 0


def test_double_match_submission_answers_409(client, activation):
    need, offer = _pair(activation)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("publichelp:entry-match", args=[activation.slug, need.pk])
    assert (
        client.post(url, {"other": offer.pk, "version": need.version}).status_code
        == 302
    )
    before = state()
    response = client.post(url, {"other": offer.pk})
    assert response.status_code == 409
    assert "already matched" in response.text
    assert state() == before


def test_new_entry_is_prefilled_from_a_post_of_the_activation(client, activation):
    post = make_item(
        activation, text="Je peux héberger 2 personnes, 06 11 22 33 44"
    ).representative
    foreign = make_item(ActivationFactory()).representative
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("publichelp:entry-new", args=[activation.slug])
    response = client.get(url, {"post": post.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert (
        form.initial["description"] == "Je peux héberger 2 personnes, [phone removed]"
    )
    assert form.initial["post"] == post.pk
    assert form.initial["lat"] == pytest.approx(43.61)
    assert client.get(url, {"post": foreign.pk}).status_code == 404
    response = client.post(
        url,
        {
            "kind": "offer",
            "category": "shelter",
            "description": form.initial["description"],
            "lat": "43.61",
            "lon": "3.88",
            "post": post.pk,
        },
    )
    assert response.status_code == 302
    created = AidEntry.objects.get()
    assert created.source_post_id == post.pk
    assert created.source_url == post.url


def test_replies_page_fills_and_offers_copy(client, activation):
    services.reply_library_seed()
    client.force_login(make_member(activation, Role.OBSERVER).user)
    response = client.get(
        reverse("publichelp:replies", args=[activation.slug]),
        {"situation": "flood_trapped", "language": "fr"},
    )
    assert response.status_code == 200
    [template] = response.context["templates"]
    assert "112" in template.filled
    assert f'data-copy-target="reply-text-{template.pk}"' in response.text
    assert "js/publichelp.js" in response.text
    assert "<script>" not in response.text.split("</footer>")[0]


def test_team_lead_customises_edits_and_deactivates_a_template(client, activation):
    services.reply_library_seed()
    library = ReplyTemplate.objects.get(
        activation=None, situation="heat", language="fr"
    )
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    response = client.post(
        reverse("publichelp:reply-customise", args=[activation.slug, library.pk])
    )
    own = ReplyTemplate.objects.get(activation=activation)
    assert response["Location"] == reverse(
        "publichelp:reply-edit", args=[activation.slug, own.pk]
    )
    url = reverse("publichelp:reply-edit", args=[activation.slug, own.pk])
    bad = client.post(
        url,
        {
            "situation": "heat",
            "language": "fr",
            "title": "t",
            "body": "{nope}",
            "version": own.version,
            "is_active": "on",
        },
    )
    assert bad.status_code == 400
    ok = client.post(
        url,
        {
            "situation": "heat",
            "language": "fr",
            "title": "Canicule à Lunel",
            "body": "Salle fraîche : {shelter}",
            "resource_urls": "https://vigilance.meteofrance.fr/",
            "version": own.version,
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    own.refresh_from_db()
    assert own.title == "Canicule à Lunel"
    stale = client.post(
        url,
        {
            "situation": "heat",
            "language": "fr",
            "title": "x",
            "body": "y",
            "version": 1,
            "is_active": "on",
        },
    )
    assert stale.status_code == 409
    assert (
        client.get(
            reverse("publichelp:reply-edit", args=[activation.slug, library.pk])
        ).status_code
        == 404
    )
    bad_flag = client.post(
        reverse("publichelp:reply-active", args=[activation.slug, own.pk]),
        {"active": "maybe"},
    )
    assert bad_flag.status_code == 400
    values = client.post(
        reverse("publichelp:replies-manage", args=[activation.slug]),
        {"official_url": "javascript:x", "emergency_number": "112"},
    )
    assert values.status_code == 400
