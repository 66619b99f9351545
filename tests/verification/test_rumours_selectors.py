"""Rumour register selectors: reach over time on known data, platforms, the list,
linked posts as the liaison sees them, finding items from what people type."""

import datetime as dt

import pytest

from activations.models import ActivationMember
from monitoring.models import Platform, Post
from tests.factories import ActivationFactory, make_item, make_member
from verification import selectors_rumours as selectors
from verification.services import rumours as services

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
UTC = dt.UTC
T0 = dt.datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Paris


def _set_posts(item, rows):
    """Give the item's posts known times, authors and followers (oldest first)."""
    posts = list(Post.objects.filter(cluster=item).order_by("external_id"))
    assert len(posts) == len(rows)
    for post, (minutes, author, followers) in zip(posts, rows, strict=True):
        post.posted_at = T0 + dt.timedelta(minutes=minutes)
        post.author_id = author
        post.author_meta = {} if followers is None else {"followers": followers}
        post.save()


@pytest.fixture
def known(activation):
    """A rumour linked to three items on three platforms, and an item it is not
    linked to. Per hour (UTC): 08:00 -> 4 posts, 3 accounts, 1741 followers;
    09:00 -> 2 posts, 2 accounts, 122 followers."""
    activation.timezone = "Europe/Paris"
    activation.save()
    lead = make_member(activation, Role.TEAM_LEAD).user
    a = make_item(activation, copies=3, platform=Platform.MASTODON)
    Post.objects.filter(cluster=a).update(platform=Platform.MASTODON)
    _set_posts(a, [(5, "a0", 120), (40, "a1", 121), (70, "a2", 122)])
    b = make_item(activation, copies=2)
    Post.objects.filter(cluster=b).update(platform=Platform.X)
    # the same X account twice: counted once, with its largest follower count
    _set_posts(b, [(20, "x1", 1000), (50, "x1", 1500)])
    c = make_item(activation, copies=1)
    Post.objects.filter(cluster=c).update(platform=Platform.BLUESKY)
    _set_posts(c, [(90, "c0", None)])  # no follower figure from the platform
    unlinked = make_item(activation, copies=2)
    _set_posts(unlinked, [(10, "u0", 99999), (15, "u1", 5)])
    rumour = services.rumour_create(
        activation=activation, by=lead, claim="Barrage", cluster_ids=[a.pk, b.pk, c.pk]
    )
    return rumour


def test_reach_per_hour_on_known_data(known, django_assert_num_queries):
    with django_assert_num_queries(1):
        points = selectors.rumour_reach(rumour=known)
    assert points == [
        (T0, 4, 3, 1741),
        (T0 + dt.timedelta(hours=1), 2, 2, 122),
    ]
    assert points[0].followers == 1741


def test_reach_per_day_in_the_activation_time_zone(known):
    points = selectors.rumour_reach(rumour=known, bucket="day")
    # midnight in Paris (UTC+1 in March) is 23:00 UTC the day before
    assert points == [(dt.datetime(2026, 3, 9, 23, 0, tzinfo=UTC), 6, 5, 1863)]


def test_reach_rejects_an_unknown_bucket(known):
    with pytest.raises(ValueError, match="bucket"):
        selectors.rumour_reach(rumour=known, bucket="week")


def test_platforms_involved(known, django_assert_num_queries):
    with django_assert_num_queries(1):
        platforms = selectors.rumour_platforms(rumour=known)
    assert platforms == [
        ("mastodon", "Mastodon", 3, 3, 363),
        ("x", "X", 2, 1, 1500),
        ("bluesky", "Bluesky", 1, 1, 0),
    ]


def test_reach_of_a_rumour_without_items_is_empty(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    rumour = services.rumour_create(activation=activation, by=lead, claim="Rien")
    assert selectors.rumour_reach(rumour=rumour) == []
    assert selectors.rumour_platforms(rumour=rumour) == []


def test_list_counts_and_platforms_in_one_query(known, django_assert_num_queries):
    lead = known.created_by
    services.rumour_create(activation=known.activation, by=lead, claim="Seconde")
    with django_assert_num_queries(1):
        rows = list(selectors.rumour_list(activation=known.activation))
    by_number = {r.number: r for r in rows}
    first = by_number[1]
    assert (
        first.items_count,
        first.posts_count,
        first.cases_count,
        first.relays_count,
    ) == (
        3,
        6,
        0,
        0,
    )
    assert sorted(first.platforms) == ["bluesky", "mastodon", "x"]
    assert (by_number[2].items_count, by_number[2].platforms) == (0, [])
    assert selectors.rumour_status_counts(activation=known.activation) == {
        "detected": 2,
        "verifying": 0,
        "confirmed": 0,
        "debunked": 0,
    }
    assert [
        r.number
        for r in selectors.rumour_list(activation=known.activation, status="verifying")
    ] == []


def test_items_show_handles_to_the_team(known):
    items = selectors.rumour_items(rumour=known, reveal_authors=True)
    posts = [p for item in items for p in item.posts]
    assert len(posts) == 6
    assert all(p.author.startswith("@witness") for p in posts)
    assert all(p.url.startswith("https://mastodon.example/") for p in posts)


def test_items_pseudonymise_authors_for_the_liaison(known):
    items = selectors.rumour_items(rumour=known, reveal_authors=False)
    authors = [p.author for item in items for p in item.posts]
    # oldest first: a0 (08:05), x1 (08:20, 08:50), a1, a2, c0 — one number per account
    by_time = sorted((p.posted_at, p.author) for item in items for p in item.posts)
    assert [a for _, a in by_time] == [
        "account 1",
        "account 2",
        "account 3",
        "account 2",
        "account 4",
        "account 5",
    ]
    assert not any("witness" in a for a in authors)
    assert all(
        p.url == "" and p.author_name == "" for item in items for p in item.posts
    )


def test_items_resolve_numbers_and_links(activation):
    item = make_item(activation)
    post = Post.objects.get(cluster=item)
    foreign_post = Post.objects.get(cluster=make_item(ActivationFactory()))
    found = selectors.items_resolve(
        activation=activation,
        references=[
            f"#{item.pk}",
            post.url + "/",
            "12345",
            foreign_post.url,
            "bonjour",
        ],
    )
    assert found.cluster_ids == [item.pk, 12345]
    assert len(found.problems) == 2
    assert "No post of this activation has the link" in found.problems[0]
    assert "neither a queue item number nor a link" in found.problems[1]
