"""Verification case pages: role matrix, IDOR, escaping, bad input, the review box."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.verification.cases_support import (
    XSS,
    case_state,
    open_case,
    proposed,
    set_skills,
    with_evidence,
)
from verification.models import Case
from verification.services import cases as services

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _url(name, case, activation=None):
    activation = activation or case.activation
    return reverse(f"verification:{name}", args=[activation.slug, case.number])


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


# --- role matrix ----------------------------------------------------------------------
def _open(activation, _actor):
    return open_case(activation), {}


def _proposed_by_other(activation, _actor):
    proposer = make_member(activation, Role.VOLUNTEER).user
    return proposed(open_case(activation, proposer), proposer), {}


def _closed(activation, _actor):
    proposer = make_member(activation, Role.VOLUNTEER).user
    return (
        proposed(open_case(activation, proposer), proposer, status="unverifiable"),
        {},
    )


def _own_proposal(activation, actor):
    actor = actor or make_member(activation, Role.VOLUNTEER).user
    case = open_case(activation, actor)
    return proposed(case, actor), {}


PAGES = {
    # name: (method, action, make case, form data (version added), expected if allowed)
    "case-list": ("get", Action.VIEW_CASES, None, None, 200),
    "case-create": ("get", Action.VERIFY, None, None, 200),
    "case-create POST": ("post", Action.VERIFY, None, {"claim": "Rumeur"}, 302),
    "case-detail": ("get", Action.VIEW_CASES, _open, None, 200),
    "case-start": ("post", Action.VERIFY, _open, {}, 302),
    "case-assign": ("post", Action.VERIFY, _open, {"take": "1"}, 302),
    "case-evidence-add": (
        "post",
        Action.VERIFY,
        _open,
        {"kind": "geolocation", "finding": "supports", "note": "Vue Street View"},
        302,
    ),
    "case-grade": (
        "post",
        Action.VERIFY,
        _open,
        {"reliability": "B", "credibility": "2"},
        302,
    ),
    "case-locate": (
        "post",
        Action.VERIFY,
        _open,
        {"lon": "3.9", "lat": "43.6", "radius_m": "300", "source": "map"},
        302,
    ),
    "case-propose": (
        "post",
        Action.VERIFY,
        lambda a, u: (with_evidence(open_case(a), u or UserFactory()), {}),
        {"status": "verified", "note": "Confirmé"},
        302,
    ),
    "case-review": (
        "post",
        Action.REVIEW_VERDICT,
        _proposed_by_other,
        {"decision": "confirm", "note": ""},
        302,
    ),
    "case-withdraw": ("post", Action.VERIFY, _own_proposal, {}, 302),
    "case-reopen": ("post", Action.VERIFY, _closed, {"note": "Nouvel élément"}, 302),
}
# Allowed by the role table, refused by the service (leads only): 403 all the same.
LEADS_ONLY = {"case-reopen"}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, make, data, ok = PAGES[page]
    actor = _actor(who, activation)
    name = page.split(" ")[0]
    if make is None:
        url = reverse(f"verification:{name}", args=[activation.slug])
        payload = dict(data or {})
    else:
        member = actor if who in ALL_ROLES else None
        case, _extra = make(activation, member)
        url = _url(name, case)
        payload = {**(data or {}), "version": case.version}
    if actor is not None:
        client.force_login(actor)
    before = case_state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who] and not (
        name in LEADS_ONLY and who not in (Role.COORDINATOR, Role.TEAM_LEAD)
    ):
        assert response.status_code == ok, response.content[:2000]
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert case_state() == before


def test_a_liaison_sees_no_verification_tab_and_gets_403(client, activation):
    case = open_case(activation)
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    assert client.get(_url("case-detail", case)).status_code == 403
    page = client.get(reverse("activations:activation-detail", args=[activation.slug]))
    assert reverse("verification:case-list", args=[activation.slug]) not in (
        page.content.decode()
    )


def test_a_case_of_another_activation_is_404(client, activation):
    # given a case numbered 1 elsewhere, and none here
    foreign = open_case(ActivationFactory())
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(coordinator)
    before = case_state()
    # when / then: the number under our slug does not reach it
    assert client.get(_url("case-detail", foreign, activation)).status_code == 404
    response = client.post(
        _url("case-grade", foreign, activation),
        {"reliability": "A", "credibility": "1", "version": foreign.version},
    )
    assert response.status_code == 404
    # … and our coordinator is a stranger to the other activation
    assert client.get(_url("case-detail", foreign)).status_code == 404
    assert case_state() == before


# --- the list --------------------------------------------------------------------------
def test_list_filters_and_marks_what_awaits_my_review(client, activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    waiting = proposed(open_case(activation, volunteer), volunteer)
    services.case_grade(
        case=waiting,
        by=volunteer,
        reliability="B",
        credibility=2,
        version=waiting.version,
    )
    fresh = open_case(activation, volunteer)
    closed = proposed(open_case(activation, volunteer), volunteer, "unverifiable")
    client.force_login(lead)
    url = reverse("verification:case-list", args=[activation.slug])
    # when
    page = client.get(url).content.decode()
    # then: open cases, the one awaiting me first and highlighted
    assert f'id="case-row-{waiting.number}"' in page
    assert f'id="case-row-{fresh.number}"' in page
    assert f'id="case-row-{closed.number}"' not in page
    assert page.index(f"case-row-{waiting.number}") < page.index(
        f"case-row-{fresh.number}"
    )
    assert "row-awaiting-me" in page
    assert "1 verdict waits for your review." in page
    assert ">B2<" in page
    mine = client.get(url, {"status": "mine"}).content.decode()
    assert f"case-row-{waiting.number}" in mine
    assert f"case-row-{fresh.number}" not in mine
    assert (
        f"case-row-{closed.number}"
        in client.get(url, {"status": "closed"}).content.decode()
    )
    search = client.get(
        url, {"status": "all", "q": str(closed.number)}
    ).content.decode()
    assert f"case-row-{closed.number}" in search


def test_the_proposer_is_not_asked_to_review(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    proposed(open_case(activation, volunteer), volunteer)
    client.force_login(volunteer)
    page = client.get(reverse("verification:case-list", args=[activation.slug]))
    assert "row-awaiting-me" not in page.content.decode()
    assert "waits for your review" not in page.content.decode()


def test_list_query_count_does_not_grow_with_cases(
    client, activation, django_assert_max_num_queries
):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    for _ in range(6):
        open_case(activation, volunteer)
    client.force_login(volunteer)
    with django_assert_max_num_queries(16):
        assert (
            client.get(
                reverse("verification:case-list", args=[activation.slug])
            ).status_code
            == 200
        )


# --- the case page ------------------------------------------------------------------
def test_detail_shows_post_helpers_and_forms(client, activation):
    # given a post with an image and a video
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(
        activation,
        volunteer,
        url="https://mastodon.example/@w/1?x=1&y=2",
        media=[
            {
                "type": "image",
                "url": "https://files.example/a b.jpg?s=1&t=2",
                "preview_url": "https://files.example/a_small.jpg",
            },
            {
                "type": "video",
                "url": "https://files.example/v.mp4",
                "preview_url": "https://files.example/v.jpg",
            },
            {"type": "image", "url": "javascript:alert(1)"},
        ],
        author_meta={
            "followers_count": 1234,
            "verified": False,
            "created_at": "2026-01-01T00:00:00Z",
        },
    )
    client.force_login(volunteer)
    # when
    page = client.get(_url("case-detail", case)).content.decode()
    # then
    image = quote("https://files.example/a b.jpg?s=1&t=2", safe="")
    assert f"https://lens.google.com/uploadbyurl?url={image}" in page.replace(
        "&amp;", "&"
    )
    assert f"https://tineye.com/search?url={image}" in page.replace("&amp;", "&")
    assert (
        f"https://yandex.com/images/search?rpt=imageview&url={image}"
        in page.replace("&amp;", "&")
    )
    assert "bing.com/images/search" in page
    thumb = quote("https://files.example/v.jpg", safe="")
    assert f"https://tineye.com/search?url={thumb}" in page  # a video by its thumbnail
    assert (
        "https://web.archive.org/save/https://mastodon.example/@w/1?x=1&y=2"
        in page.replace("&amp;", "&")
    )
    assert "https://web.archive.org/web/*/https://mastodon.example/@w/1" in page
    assert "https://archive.ph/newest/https://mastodon.example/@w/1" in page
    assert 'referrerpolicy="no-referrer"' in page
    assert "<video" not in page
    assert "autoplay" not in page
    assert "javascript:alert" not in page
    for link in ('target="_blank" rel="noopener noreferrer"',):
        assert link in page
    assert "Followers" in page
    assert "1\u202f234" in page
    assert "A - Completely reliable" in page  # grade selectors with their meanings
    assert 'id="case-map"' in page
    assert 'id="case-map-data"' in page
    assert "Take it from the post" in page
    assert 'id="evidence-note"' in page
    assert 'id="propose-note"' in page


def test_hostile_text_is_rendered_escaped(client, activation):
    # given hostile HTML in the post, the author, the claim and the evidence
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(
        activation,
        volunteer,
        text=XSS,
        author_name=XSS,
        media=[{"type": "image", "url": "https://x.example/i.jpg", "description": XSS}],
        place_name=XSS,
    )
    case.claim = XSS
    case.save()
    services.evidence_add(
        case=case, by=volunteer, kind="other", url="https://ok.example/a", note=XSS
    )
    client.force_login(volunteer)
    # when
    pages = [
        client.get(_url("case-detail", case)).content.decode(),
        client.get(
            reverse("verification:case-list", args=[activation.slug])
        ).content.decode(),
    ]
    # then
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://files.example/x",
        "//evil.example",
    ],
)
def test_bad_evidence_urls_are_refused(client, activation, url):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(activation, volunteer)
    client.force_login(volunteer)
    before = case_state()
    response = client.post(
        _url("case-evidence-add", case),
        {"kind": "other", "finding": "supports", "url": url, "note": "Ma note"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "http:// or https://" in content
    assert "Ma note" in content  # what was typed is kept
    assert case_state() == before


def test_a_stale_page_changes_nothing(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(activation, volunteer)
    stale = case.version
    services.case_grade(
        case=case, by=volunteer, reliability="A", credibility=1, version=stale
    )
    client.force_login(volunteer)
    before = case_state()
    response = client.post(
        _url("case-grade", case),
        {"reliability": "F", "credibility": "6", "version": stale},
        follow=True,
    )
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert case_state() == before


def test_the_review_box_is_for_other_eligible_reviewers_only(client, activation):
    # given a verdict proposed by a volunteer
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    unskilled = make_member(activation, Role.VOLUNTEER).user
    set_skills(unskilled, [])
    viewers = {
        "proposer": (volunteer, False),
        "lead": (make_member(activation, Role.TEAM_LEAD).user, True),
        "skilled": (make_member(activation, Role.VOLUNTEER).user, True),
        "unskilled": (unskilled, False),
        "observer": (make_member(activation, Role.OBSERVER).user, False),
    }
    for name, (user, shown) in viewers.items():
        client.force_login(user)
        page = client.get(_url("case-detail", case)).content.decode()
        assert ('value="confirm"' in page) is shown, name
        assert "Waiting for a second, different reviewer" in page
    client.force_login(volunteer)
    page = client.get(_url("case-detail", case)).content.decode()
    assert (
        "You proposed this verdict; a second, different reviewer must confirm it."
        in page
    )


def test_the_proposer_posting_a_review_is_refused_with_the_reason(client, activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, lead), lead)
    client.force_login(lead)
    before = case_state()
    response = client.post(
        _url("case-review", case), {"decision": "confirm", "version": case.version}
    )
    assert response.status_code == 400
    assert "a second, different reviewer must confirm it" in response.content.decode()
    assert case_state() == before


def test_a_volunteer_without_the_skill_posting_a_review_gets_403(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    other = make_member(activation, Role.VOLUNTEER).user
    set_skills(other, ["monitoring"])
    client.force_login(other)
    before = case_state()
    response = client.post(
        _url("case-review", case), {"decision": "confirm", "version": case.version}
    )
    assert response.status_code == 403
    assert case_state() == before


def test_create_page_links_an_item_of_this_activation_only(client, activation):
    from tests.factories import make_item

    volunteer = make_member(activation, Role.VOLUNTEER).user
    client.force_login(volunteer)
    url = reverse("verification:case-create", args=[activation.slug])
    foreign = make_item(ActivationFactory())
    before = case_state()
    response = client.post(url, {"claim": "x", "item": foreign.pk})
    assert response.status_code == 200
    assert "There is no queue item" in response.content.decode()
    assert case_state() == before
    mine = make_item(activation)
    response = client.post(url, {"claim": "Pont coupé", "item": mine.pk})
    case = Case.objects.get(cluster=mine)
    assert response["Location"] == _url("case-detail", case)
    again = client.post(url, {"claim": "Encore", "item": mine.pk}, follow=True)
    assert "already has case" in again.content.decode()
    assert Case.objects.filter(cluster=mine).count() == 1


def test_place_search_offers_places_to_use(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(activation, volunteer)
    client.force_login(volunteer)
    page = client.get(_url("case-detail", case), {"place": "montpel"}).content.decode()
    assert "Montpellier" in page
    assert 'name="source" value="place"' in page
