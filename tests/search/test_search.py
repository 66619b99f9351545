"""Full-text search over posts: accents, stemming, filters, highlighting, bad
queries, paging (selectors), the page and API."""

import contextlib
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from monitoring.models import Post
from search import selectors
from search.forms import SearchForm
from search.selectors import SearchParams, SearchQueryError
from tests.factories import ActivationFactory, make_item, make_map_item, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> évacuation'


def post(activation, text, **fields):
    return make_item(activation, text=text, **fields).representative


def found(activation, query="", **filters):
    page = selectors.posts_search(
        activation=activation, params=SearchParams(query=query, **filters)
    )
    return [hit.post.text for hit in page.hits]


def test_french_accents_are_folded(activation):
    post(activation, "Évacuation en cours rue de la Gare")
    post(activation, "Routes inondées près du pont")
    post(activation, "Rien à signaler")
    assert found(activation, "evacuation") == ["Évacuation en cours rue de la Gare"]
    assert found(activation, "inondees") == ["Routes inondées près du pont"]
    assert found(activation, "INONDÉE") == ["Routes inondées près du pont"]
    assert found(activation, "évacuations") == ["Évacuation en cours rue de la Gare"]


def test_english_stemming(activation):
    post(activation, "Roads flooded near the bridge", lang="en")
    post(activation, "Fire on the hill", lang="en")
    assert found(activation, "flooding") == ["Roads flooded near the bridge"]
    assert found(activation, "road") == ["Roads flooded near the bridge"]
    assert found(activation, "fires OR nothing") == ["Fire on the hill"]


def test_phrases_and_exclusions(activation):
    post(activation, "Évacuation rue de la Gare")
    post(activation, "Évacuation de la gare routière, exercice")
    assert found(activation, '"rue de la gare"') == ["Évacuation rue de la Gare"]
    assert found(activation, "evacuation -exercice") == ["Évacuation rue de la Gare"]


def test_filters(activation):
    now = timezone.now()
    post(
        activation,
        "pont coupé A",
        platform="bluesky",
        lang="fr",
        category="infrastructure",
    )
    b = post(activation, "bridge closed B", lang="en", place_name="Lunel")
    Post.objects.filter(pk=b.pk).update(posted_at=now - dt.timedelta(days=2))
    c = make_map_item(
        activation, category="other_relevant"
    ).cluster.representative  # verified map item
    Post.objects.filter(pk=c.pk).update(text="pont vérifié C")
    other = ActivationFactory()
    post(other, "pont coupé ailleurs")
    assert sorted(found(activation)) == [
        "bridge closed B",
        "pont coupé A",
        "pont vérifié C",
    ]
    assert found(activation, platform="bluesky") == ["pont coupé A"]
    assert found(activation, lang="en") == ["bridge closed B"]
    assert found(activation, category="infrastructure") == ["pont coupé A"]
    assert found(activation, place="lun") == ["bridge closed B"]
    assert "bridge closed B" not in found(activation, since=now - dt.timedelta(days=1))
    assert found(activation, until=now - dt.timedelta(days=1)) == ["bridge closed B"]
    assert found(activation, verified_only=True) == ["pont vérifié C"]
    assert found(activation, "pont", verified_only=True) == ["pont vérifié C"]


def test_area_filters_by_bbox_and_polygon(activation):
    from django.contrib.gis.geos import Point

    inside = post(activation, "dans la zone")
    outside = post(activation, "hors zone")
    Post.objects.filter(pk=outside.pk).update(location=Point(5.0, 45.0, srid=4326))
    form = SearchForm({"bbox": "3.8,43.5,4.0,43.7"})
    assert form.is_valid(), form.errors
    page = selectors.posts_search(activation=activation, params=form.params())
    assert [h.post.pk for h in page.hits] == [inside.pk]
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[4.9, 44.9], [5.1, 44.9], [5.1, 45.1], [4.9, 45.1], [4.9, 44.9]]
        ],
    }
    form = SearchForm({"area": json.dumps(polygon)})
    assert form.is_valid(), form.errors
    page = selectors.posts_search(activation=activation, params=form.params())
    assert [h.post.pk for h in page.hits] == [outside.pk]
    assert not SearchForm({"bbox": "1,2,3"}).is_valid()
    assert not SearchForm({"bbox": "5,2,3,4"}).is_valid()
    assert not SearchForm({"area": "{nope"}).is_valid()


def test_highlighting_escapes_hostile_text(activation):
    post(activation, XSS + " \x01fake\x02 marker")
    page = selectors.posts_search(
        activation=activation, params=SearchParams(query="evacuation")
    )
    html = str(page.hits[0].excerpt)
    assert "<mark>évacuation</mark>" in html
    assert "<script" not in html
    assert "<img" not in html
    assert html.count("<mark>") == 1
    assert "\x01" not in html
    # no query: plain escaped text
    page = selectors.posts_search(activation=activation, params=SearchParams())
    assert "<script" not in str(page.hits[0].excerpt)


@pytest.mark.parametrize("query", ["&&&", "on me as", "!!! ??? ---", "((( ))) <-> :*"])
def test_nothing_searchable_is_explained(activation, query):
    with pytest.raises(SearchQueryError) as error:
        selectors.posts_search(activation=activation, params=SearchParams(query=query))
    assert "Nothing to search" in error.value.message


def test_common_words_of_one_language_are_explained(activation):
    post(activation, "the car is stuck", lang="en")
    page = selectors.posts_search(
        activation=activation, params=SearchParams(query="la de")
    )
    assert "very common in French" in page.notices[0]


def test_syntax_problems_are_explained_not_raised(activation):
    post(activation, "Évacuation rue de la Gare")
    page = selectors.posts_search(
        activation=activation, params=SearchParams(query='"rue de la gare')
    )
    assert [h.post.text for h in page.hits] == ["Évacuation rue de la Gare"]
    assert "quotation mark" in page.notices[0]
    for odd in ['((( OR OR "', "a:b|c&!d", "-", "'; DROP TABLE monitoring_post; --"]:
        with contextlib.suppress(SearchQueryError):
            selectors.posts_search(
                activation=activation, params=SearchParams(query=odd)
            )
    with pytest.raises(SearchQueryError, match="too long"):
        selectors.posts_search(
            activation=activation, params=SearchParams(query="mot " * 200)
        )
    assert Post.objects.count() == 1


def test_keyset_paging_newest_first(activation):
    now = timezone.now()
    for i in range(7):
        p = post(activation, f"crue numéro {i}")
        Post.objects.filter(pk=p.pk).update(posted_at=now - dt.timedelta(minutes=i % 3))
    seen, cursor = [], ""
    while True:
        page = selectors.posts_search(
            activation=activation,
            params=SearchParams(query="crue"),
            cursor=cursor,
            limit=3,
        )
        seen += [h.post.pk for h in page.hits]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 7 == len(set(seen))
    ordered = list(
        Post.objects.filter(activation=activation)
        .order_by("-posted_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == ordered
    with pytest.raises(SearchQueryError):
        selectors.posts_search(
            activation=activation, params=SearchParams(), cursor="garbage!"
        )


def test_rank_order(activation):
    post(activation, "crue")
    post(activation, "crue crue crue de la rivière, crue majeure")
    page = selectors.posts_search(
        activation=activation, params=SearchParams(query="crue", order="rank"), limit=1
    )
    assert page.hits[0].post.text.startswith("crue crue")
    assert page.next_cursor == "1"
    page = selectors.posts_search(
        activation=activation,
        params=SearchParams(query="crue", order="rank"),
        cursor=page.next_cursor,
        limit=1,
    )
    assert page.hits[0].post.text == "crue"
    assert page.next_cursor == ""


# --- page and API ------------------------------------------------------------------
def test_page_shows_highlights_and_errors(client, activation):
    post(activation, XSS)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("search:search", args=[activation.slug])
    response = client.get(url, {"q": "évacuation"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<mark>évacuation</mark>" in body
    assert 'alert("x")</script>' not in body
    response = client.get(url, {"q": "&&&"})
    assert response.status_code == 200
    assert "Nothing to search" in response.content.decode()
    response = client.get(url, {"bbox": "nope"})
    assert response.status_code == 200
    assert "four numbers" in response.content.decode()
    assert client.get(url, {"after": "%%%"}).status_code == 200


def test_api_search(client, activation):
    post(activation, XSS)
    client.force_login(make_member(activation, Role.OBSERVER).user)
    url = reverse("api-post-search", args=[activation.slug])
    data = client.get(url, {"q": "evacuation"}).json()
    assert data["results"][0]["excerpt_html"].count("<mark>") == 1
    assert "<script" not in data["results"][0]["excerpt_html"]
    response = client.get(url, {"q": "&&&"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_search"
    response = client.get(url, {"since": "yesterday"})
    assert response.status_code == 400


WHO = [
    "anonymous",
    "non-member",
    *[
        str(r)
        for r in [
            Role.COORDINATOR,
            Role.TEAM_LEAD,
            Role.VOLUNTEER,
            Role.LIAISON,
            Role.OBSERVER,
        ]
    ],
]
READERS = {Role.COORDINATOR, Role.TEAM_LEAD, Role.VOLUNTEER, Role.OBSERVER}


def _login(client, who, activation):
    from tests.factories import UserFactory

    if who == "anonymous":
        return
    user = UserFactory() if who == "non-member" else make_member(activation, who).user
    client.force_login(user)


@pytest.mark.parametrize("who", WHO)
def test_role_matrix_search_page_and_api(client, activation, who):
    _login(client, who, activation)
    page = client.get(reverse("search:search", args=[activation.slug]), {"q": "crue"})
    api = client.get(reverse("api-post-search", args=[activation.slug]), {"q": "crue"})
    if who == "anonymous":
        assert page.status_code == 302
        assert "login" in page["Location"]
        assert api.status_code in (401, 403)
        assert api.status_code == 401
    elif who == "non-member":
        assert page.status_code == 404
        assert api.status_code == 404
    elif who in READERS:
        assert page.status_code == 200
        assert api.status_code == 200
    else:
        assert page.status_code == 403
        assert api.status_code == 403


def test_search_stopped_by_the_timeout_is_explained(activation, monkeypatch):
    from django.db import OperationalError

    def slow(**kwargs):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(selectors, "_search_page", slow)
    with pytest.raises(SearchQueryError, match="takes too long"):
        selectors.posts_search(activation=activation, params=SearchParams(query="crue"))
