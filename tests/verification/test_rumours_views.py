"""Rumour register pages: role matrix for every page and action, IDOR, what the
liaison sees, refusals that change nothing, hostile text rendered escaped."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Post
from tests.activations.api_support import WHO, actor_for
from tests.factories import ActivationFactory, make_item, make_member
from verification.models import Case, Relay, Rumour, RumourEvent
from verification.services import rumours as services

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Counter = Rumour.CounterStatus


def state():
    """Every row of the register, to prove a refused call changed nothing."""
    return {
        "rumours": list(Rumour.objects.order_by("pk").values()),
        "clusters": list(Rumour.clusters.through.objects.order_by("pk").values()),
        "cases": list(Rumour.cases.through.objects.order_by("pk").values()),
        "events": RumourEvent.objects.count(),
        "relays": list(Relay.objects.order_by("pk").values()),
    }


def _lead(activation):
    return make_member(
        activation, Role.TEAM_LEAD, username=f"lead-{activation.slug}"
    ).user


def _liaison(activation):
    return make_member(
        activation, Role.LIAISON, username=f"liaison-{activation.slug}"
    ).user


def _rumour(activation, counter=""):
    """R1 with an item linked, its counter-message in the `counter` step."""
    lead = _lead(activation)
    item = make_item(activation, copies=2)
    rumour = services.rumour_create(
        activation=activation, by=lead, claim="Le barrage a cédé", cluster_ids=[item.pk]
    )
    if counter:
        rumour = services.counter_message_save(
            rumour=rumour, by=lead, text="Le barrage tient.", version=rumour.version
        )
    if counter in {Counter.SUBMITTED, Counter.APPROVED}:
        rumour = services.counter_message_submit(
            rumour=rumour, by=lead, version=rumour.version
        )
    if counter == Counter.APPROVED:
        rumour = services.counter_message_decide(
            rumour=rumour, by=_liaison(activation), approve=True, version=rumour.version
        )
    return rumour


def _url(name, rumour):
    return reverse(f"verification:{name}", args=[rumour.activation.slug, rumour.number])


# --- role matrix -------------------------------------------------------------------------
# name -> (method, action, counter step needed, payload(rumour))
PAGES = {
    "rumour-list": ("get", Action.VIEW_RUMOURS, "", None),
    "rumour-detail": ("get", Action.VIEW_RUMOURS, "", None),
    "rumour-create": ("get", Action.MANAGE_RUMOURS, "", None),
    "rumour-create POST": (
        "post",
        Action.MANAGE_RUMOURS,
        "",
        lambda r: {"claim": "Nouvelle rumeur", "items": ""},
    ),
    "rumour-status": (
        "post",
        Action.MANAGE_RUMOURS,
        "",
        lambda r: {"status": "verifying", "version": r.version, "note": ""},
    ),
    "rumour-link": (
        "post",
        Action.MANAGE_RUMOURS,
        "",
        lambda r: {"items": str(make_item(r.activation).pk)},
    ),
    "rumour-unlink": (
        "post",
        Action.MANAGE_RUMOURS,
        "",
        lambda r: {"cluster_id": r.clusters.get().pk},
    ),
    "rumour-counter-save": (
        "post",
        Action.MANAGE_RUMOURS,
        "",
        lambda r: {"text": "Démenti", "version": r.version},
    ),
    "rumour-counter-submit": (
        "post",
        Action.MANAGE_RUMOURS,
        Counter.DRAFT,
        lambda r: {"version": r.version},
    ),
    "rumour-counter-withdraw": (
        "post",
        Action.MANAGE_RUMOURS,
        Counter.SUBMITTED,
        lambda r: {"version": r.version},
    ),
    "rumour-counter-decide": (
        "post",
        Action.APPROVE_COUNTER_MESSAGE,
        Counter.SUBMITTED,
        lambda r: {"decision": "approve", "note": "", "version": r.version},
    ),
    "rumour-relay-add": (
        "post",
        Action.MANAGE_RUMOURS,
        Counter.APPROVED,
        lambda r: {"channel": "x", "link": "https://x.com/sdis/status/9", "note": ""},
    ),
}


def _page_url(name, rumour):
    name = name.removesuffix(" POST")
    if name in {"rumour-list", "rumour-create"}:
        return reverse(f"verification:{name}", args=[rumour.activation.slug])
    return _url(name, rumour)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, member_factory, who, page):
    # given
    method, action, counter, payload = PAGES[page]
    rumour = _rumour(activation, counter)
    data = payload(rumour) if payload else None
    actor = actor_for(who, activation, member_factory)
    if actor is not None:
        client.force_login(actor)
    before = state()
    # when
    url = _page_url(page, rumour)
    response = client.get(url) if method == "get" else client.post(url, data)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        expected = 200 if method == "get" else 302
        assert response.status_code == expected, response.content[:2000]
        if method == "post":
            assert state() != before
        return
    else:
        assert response.status_code == 403
    assert state() == before


# --- IDOR -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "page",
    [
        p
        for p in PAGES
        if p not in {"rumour-list", "rumour-create", "rumour-create POST"}
    ],
)
def test_a_rumour_of_another_activation_is_a_404(client, activation, page):
    # given someone allowed here (coordinator; liaison to decide), and R2 existing
    # only elsewhere
    method, action, counter, payload = PAGES[page]
    role = (
        Role.LIAISON if action == Action.APPROVE_COUNTER_MESSAGE else Role.COORDINATOR
    )
    coordinator = make_member(activation, role).user
    _rumour(activation)
    other = ActivationFactory()
    theirs = _rumour(other, counter)
    services.rumour_create(activation=other, by=theirs.created_by, claim="R2 ailleurs")
    client.force_login(coordinator)
    before = state()
    data = payload(theirs) if payload else None
    # when: their slug (not a member) or their number under our slug (no R2 here)
    ours_slug = reverse(f"verification:{page}", args=[activation.slug, 2])
    for url in (_url(page, theirs), ours_slug):
        response = client.get(url) if method == "get" else client.post(url, data)
        # then
        assert response.status_code == 404
    assert state() == before


def test_linking_an_item_of_another_activation_is_refused(client, activation):
    rumour = _rumour(activation)
    foreign = make_item(ActivationFactory())
    client.force_login(rumour.created_by)
    before = state()
    response = client.post(_url("rumour-link", rumour), {"items": f"#{foreign.pk}"})
    assert response.status_code == 400
    assert f"Queue item #{foreign.pk} is not part of this activation." in response.text
    assert "Nothing was changed." in response.text
    assert state() == before


def test_linking_a_case_of_another_activation_is_refused(client, activation):
    rumour = _rumour(activation)
    other = ActivationFactory()
    foreign = Case.objects.create(
        activation=other, number=1, claim="Ailleurs", opened_by=rumour.created_by
    )
    client.force_login(rumour.created_by)
    before = state()
    response = client.post(_url("rumour-link", rumour), {"case": foreign.number})
    assert response.status_code == 400
    assert state() == before


def test_link_by_post_link_and_case(client, activation):
    rumour = _rumour(activation)
    item = make_item(
        activation, platform="bluesky", url="https://bsky.app/profile/a/post/1"
    )
    case = Case.objects.create(
        activation=activation, number=1, claim="Barrage", opened_by=rumour.created_by
    )
    client.force_login(rumour.created_by)
    response = client.post(
        _url("rumour-link", rumour),
        {"items": "https://bsky.app/profile/a/post/1", "case": "1"},
    )
    assert response.status_code == 302
    assert item in rumour.clusters.all()
    assert list(rumour.cases.all()) == [case]


# --- what each role sees -------------------------------------------------------------------
def test_the_team_sees_handles_and_links_to_originals(client, activation):
    rumour = _rumour(activation)
    Rumour.objects.filter(pk=rumour.pk).update(notes="Appeler la mairie")
    post = Post.objects.filter(cluster__rumours=rumour).first()
    client.force_login(rumour.created_by)
    response = client.get(_url("rumour-detail", rumour))
    assert response.status_code == 200
    html = response.text
    assert post.author_handle in html
    assert (
        f'href="{post.url}" target="_blank" rel="noopener noreferrer nofollow"' in html
    )
    assert "Appeler la mairie" in html
    assert "Linked verification cases" in html
    assert 'class="reach-chart"' in html
    assert "<rect" in html


def test_the_liaison_sees_no_handles_nor_team_internals(client, activation):
    rumour = _rumour(activation, Counter.SUBMITTED)
    Rumour.objects.filter(pk=rumour.pk).update(notes="Appeler la mairie")
    case = Case.objects.create(
        activation=activation,
        number=1,
        claim="Cas interne",
        opened_by=rumour.created_by,
    )
    rumour.cases.add(case)
    posts = list(Post.objects.filter(cluster__rumours=rumour))
    person = make_member(activation, Role.LIAISON).user
    client.force_login(person)
    response = client.get(_url("rumour-detail", rumour))
    html = response.text
    assert response.status_code == 200
    for post in posts:
        assert escape(post.text) in html  # public posts: the text is shown
        assert post.author_handle not in html
        assert post.url not in html
    assert "account 1" in html
    assert "account 2" in html
    assert "Appeler la mairie" not in html
    assert "Cas interne" not in html
    assert "Le barrage tient." in html  # the submitted counter-message
    assert 'action="' + _url("rumour-counter-decide", rumour) + '"' in html
    assert 'action="' + _url("rumour-counter-save", rumour) + '"' not in html
    assert 'action="' + _url("rumour-status", rumour) + '"' not in html
    # the history shows the counter-message steps, not the linking
    assert "Counter-message submitted" in html
    assert "Item linked" not in html


def test_the_liaison_does_not_see_a_draft(client, activation):
    rumour = _rumour(activation, Counter.DRAFT)
    client.force_login(make_member(activation, Role.LIAISON).user)
    html = client.get(_url("rumour-detail", rumour)).text
    assert "Le barrage tient." not in html
    assert "The team is drafting a counter-message" in html


def test_list_shows_counts_status_filter_and_counter_step(client, activation):
    rumour = _rumour(activation, Counter.SUBMITTED)
    services.rumour_create(activation=activation, by=rumour.created_by, claim="Autre")
    services.rumour_set_status(
        rumour=rumour, by=rumour.created_by, status="verifying", version=rumour.version
    )
    client.force_login(rumour.created_by)
    html = client.get(reverse("verification:rumour-list", args=[activation.slug])).text
    assert "Le barrage a cédé" in html
    assert "Autre" in html
    assert "Waiting for the authority" in html
    assert "Mastodon" in html
    filtered = client.get(
        reverse("verification:rumour-list", args=[activation.slug])
        + "?status=verifying"
    ).text
    assert "Le barrage a cédé" in filtered
    assert "Autre" not in filtered


def test_create_page_prefills_items_from_triage(client, activation):
    item = make_item(activation)
    client.force_login(_lead(activation))
    url = reverse("verification:rumour-create", args=[activation.slug])
    response = client.get(url + f"?items={item.pk}")
    assert f"\n{item.pk}</textarea>" in response.text
    response = client.post(url, {"claim": "Pillages", "items": f"#{item.pk}"})
    rumour = Rumour.objects.get(activation=activation)
    assert response["Location"] == _url("rumour-detail", rumour)
    assert list(rumour.clusters.all()) == [item]


# --- refusals ------------------------------------------------------------------------------
def test_stale_status_form_is_a_409_and_changes_nothing(client, activation):
    rumour = _rumour(activation)
    client.force_login(rumour.created_by)
    services.rumour_set_status(
        rumour=rumour, by=rumour.created_by, status="verifying", version=rumour.version
    )
    before = state()
    response = client.post(
        _url("rumour-status", rumour), {"status": "debunked", "version": 1, "note": ""}
    )
    assert response.status_code == 409
    assert "Someone else changed this rumour meanwhile" in response.text
    assert state() == before


def test_stale_counter_save_keeps_the_text_typed(client, activation):
    rumour = _rumour(activation, Counter.DRAFT)
    client.force_login(rumour.created_by)
    stale = rumour.version
    services.rumour_set_status(
        rumour=rumour, by=rumour.created_by, status="verifying", version=stale
    )
    before = state()
    response = client.post(
        _url("rumour-counter-save", rumour),
        {"text": "Mon texte à moi", "version": stale},
    )
    assert response.status_code == 409
    assert "Mon texte à moi</textarea>" in response.text
    assert f'name="version" value="{stale + 1}"' in response.text
    assert state() == before


def test_deciding_twice_is_a_409_naming_who(client, activation):
    rumour = _rumour(activation, Counter.SUBMITTED)
    liaison = make_member(
        activation, Role.LIAISON, first_name="Lou", last_name="Préfète"
    ).user
    client.force_login(liaison)
    payload = {"decision": "approve", "note": "", "version": rumour.version}
    first = client.post(_url("rumour-counter-decide", rumour), payload)
    assert first.status_code == 302
    before = state()
    second = client.post(_url("rumour-counter-decide", rumour), payload)
    assert second.status_code == 409
    assert "already approved by Lou Préfète at" in second.text
    assert state() == before


def test_relay_before_approval_is_refused_on_the_page(client, activation):
    rumour = _rumour(activation, Counter.SUBMITTED)
    client.force_login(rumour.created_by)
    before = state()
    response = client.post(
        _url("rumour-relay-add", rumour),
        {"channel": "x", "link": "https://x.com/a/status/1", "note": ""},
    )
    assert response.status_code == 400
    assert "once the authority has approved" in response.text
    assert state() == before


def test_duplicate_relay_is_refused_on_the_page(client, activation):
    rumour = _rumour(activation, Counter.APPROVED)
    client.force_login(rumour.created_by)
    payload = {"channel": "x", "link": "https://x.com/a/status/1", "note": ""}
    assert client.post(_url("rumour-relay-add", rumour), payload).status_code == 302
    before = state()
    response = client.post(_url("rumour-relay-add", rumour), payload)
    assert response.status_code == 400
    assert "This publication is already recorded" in response.text
    assert state() == before


# --- hostile text ------------------------------------------------------------------------------
XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><iframe src="javascript:alert(1)">',
]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_is_rendered_escaped(client, activation, payload):
    # given a claim, a counter-message, a post text and remarks made of a payload
    lead = _lead(activation)
    item = make_item(activation, text=payload, url="javascript:alert(1)")
    rumour = services.rumour_create(
        activation=activation, by=lead, claim=payload, cluster_ids=[item.pk]
    )
    rumour = services.counter_message_save(
        rumour=rumour, by=lead, text=payload, version=rumour.version
    )
    rumour = services.counter_message_submit(
        rumour=rumour, by=lead, version=rumour.version
    )
    rumour = services.counter_message_decide(
        rumour=rumour,
        by=_liaison(activation),
        approve=False,
        note=payload,
        version=rumour.version,
    )
    # when each role that can see it opens the list and the rumour
    for role in (Role.TEAM_LEAD, Role.LIAISON):
        client.force_login(make_member(activation, role).user)
        for url in (
            reverse("verification:rumour-list", args=[activation.slug]),
            _url("rumour-detail", rumour),
        ):
            html = client.get(url).text
            # then the payload never comes through as markup
            assert payload not in html
            for markup in (
                "<script>alert",
                "<img src=x",
                "<svg/onload",
                "<iframe",
                'href="javascript:',
                'onerror="alert',
            ):
                assert markup not in html


# --- query counts ------------------------------------------------------------------------
def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_queries_do_not_grow_with_the_data(client, activation):
    # given one rumour with one item, and the pages' query counts
    rumour = _rumour(activation)
    lead = rumour.created_by
    client.force_login(lead)
    list_url = reverse("verification:rumour-list", args=[activation.slug])
    detail_url = _url("rumour-detail", rumour)
    client.get(detail_url)  # warm the session
    small = (_queries(client, list_url), _queries(client, detail_url))
    # when there are more rumours, items, posts, events and relays
    items = [make_item(activation, copies=4) for _ in range(4)]
    rumour = services.rumour_link_items(
        rumour=rumour, by=lead, cluster_ids=[i.pk for i in items]
    )
    for n in range(3):
        services.rumour_create(activation=activation, by=lead, claim=f"R{n}")
    for status in ("verifying", "debunked", "verifying"):
        rumour = services.rumour_set_status(
            rumour=rumour, by=lead, status=status, version=rumour.version
        )
    # then the counts stay the same
    assert (_queries(client, list_url), _queries(client, detail_url)) == small
