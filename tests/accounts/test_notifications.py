"""The notifications inbox: page, header count, marking read, API, safe links."""

import pytest
from django.urls import reverse

from accounts.context_processors import notifications as notifications_context
from accounts.models import Notification
from accounts.selectors import notification_link, notification_unread_counts
from accounts.services import notify
from tests.activations.api_support import assert_error, client_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _state():
    return list(Notification.objects.order_by("pk").values())


def _note(
    user, title="Rapport à relire", level="info", url="/a/crue/escalations/1/", body=""
):
    return notify(
        users=[user], kind="test", title=title, body=body, url=url, level=level
    )[0]


# --- links -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/a/crue/escalations/3/", "/a/crue/escalations/3/"),
        ("/accounts/notifications/?unread=1", "/accounts/notifications/?unread=1"),
        ("", ""),
        ("https://evil.example/", ""),
        ("//evil.example/x", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
        ("JAVASCRIPT:alert(1)", ""),
        (" /ok/", "/ok/"),
        ("relative/path", ""),
        ("/\x00evil", ""),
    ],
)
def test_notification_links_stay_inside_the_hub(url, expected):
    assert notification_link(url) == expected


# --- page ----------------------------------------------------------------------------------
def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert (
        client.post(
            reverse("accounts:notifications-mark-read"), {"all": "1"}
        ).status_code
        == 302
    )


def test_the_inbox_shows_only_my_notifications_unread_highlighted(client, user):
    # given
    read = _note(user, title="Déjà lu")
    read.read_at = read.created_at
    read.save()
    unread = _note(user, title="À lire")
    urgent = _note(user, title="Urgent (life-safety): toit", level="urgent")
    someone_else = _note(UserFactory(), title="Pas pour toi")
    client.force_login(user)
    # when
    html = client.get(reverse("accounts:notifications")).content.decode()
    # then
    assert "Pas pour toi" not in html
    assert f'id="notification-{someone_else.pk}"' not in html
    assert f'class="notif card notif-info" id="notification-{read.pk}"' in html
    assert (
        f'class="notif card notif-info notif-unread" id="notification-{unread.pk}"'
        in html
    )
    assert (
        f'class="notif card notif-urgent notif-unread" id="notification-{urgent.pk}"'
        in html
    )
    assert '<a href="/a/crue/escalations/1/">À lire</a>' in html
    assert "Unread (2)" in html


def test_the_unread_filter(client, user):
    read = _note(user, title="Déjà lu")
    read.read_at = read.created_at
    read.save()
    _note(user, title="À lire")
    client.force_login(user)
    html = client.get(
        reverse("accounts:notifications"), {"unread": "1"}
    ).content.decode()
    assert "À lire" in html
    assert "Déjà lu" not in html


def test_hostile_titles_bodies_and_links_are_neutralised(client, user):
    _note(user, title=XSS, body=XSS, url="javascript:alert(3)")
    _note(user, title="ailleurs", url="https://evil.example/phish")
    client.force_login(user)
    html = client.get(reverse("accounts:notifications")).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "javascript:alert(3)" not in html
    assert "evil.example" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


def test_marking_one_read(client, user):
    # given
    mine = _note(user)
    other = _note(user, title="Autre")
    client.force_login(user)
    # when
    response = client.post(
        reverse("accounts:notifications-mark-read"), {"notification": mine.pk}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:notifications")
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None
    assert other.read_at is None


def test_someone_elses_notification_cannot_be_marked(client, user):
    theirs = _note(UserFactory())
    client.force_login(user)
    before = _state()
    response = client.post(
        reverse("accounts:notifications-mark-read"), {"notification": theirs.pk}
    )
    assert response.status_code == 302
    assert _state() == before


def test_marking_all_read_keeps_the_filter(client, user):
    notes = [_note(user), _note(user, level="urgent")]
    theirs = _note(UserFactory())
    client.force_login(user)
    response = client.post(
        reverse("accounts:notifications-mark-read"),
        {"all": "1", "unread": "1"},
        follow=True,
    )
    assert (
        response.redirect_chain[-1][0]
        == reverse("accounts:notifications") + "?unread=1"
    )
    assert "All notifications marked as read." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in notes)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize("data", [{}, {"notification": "abc"}, {"notification": "0"}])
def test_a_bad_mark_read_request_changes_nothing(client, user, data):
    _note(user)
    client.force_login(user)
    before = _state()
    response = client.post(
        reverse("accounts:notifications-mark-read"), data, follow=True
    )
    assert "Choose a notification to mark as read." in response.content.decode()
    assert _state() == before


def test_mark_read_is_post_only(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:notifications-mark-read")).status_code == 405


# --- header ---------------------------------------------------------------------------------
def test_the_header_shows_the_unread_count(client, user):
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'href="/accounts/notifications/"' in html
    assert "badge kind-crisis" not in html
    _note(user)
    _note(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'aria-label="Notifications: 2 unread"' in html
    assert '<span class="badge">2</span>' in html
    _note(user, level="urgent")
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<span class="badge kind-crisis">3</span>' in html


def test_the_header_count_is_one_query_and_only_when_used(
    rf, user, django_assert_num_queries
):
    _note(user, level="urgent")
    _note(user)
    request = rf.get("/")
    request.user = user
    with django_assert_num_queries(0):
        context = notifications_context(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"].total == 2
        assert context["unread_notifications"].urgent == 1


def test_unread_counts(user):
    _note(user, level="urgent")
    read = _note(user, level="urgent")
    read.read_at = read.created_at
    read.save()
    _note(UserFactory(), level="urgent")
    counts = notification_unread_counts(user=user)
    assert (counts.total, counts.urgent) == (1, 1)


# --- API ----------------------------------------------------------------------------------
def test_the_api_needs_authentication():
    api = client_as(None)
    assert_error(api.get(reverse("api-notification-list")), 401)
    assert_error(
        api.post(reverse("api-notification-mark-read"), {"all": True}, format="json"),
        401,
    )


def test_the_api_lists_my_notifications(user):
    # given
    urgent = _note(user, title="Urgent", level="urgent")
    read = _note(user, title="Lu", url="javascript:alert(1)")
    read.read_at = read.created_at
    read.save()
    _note(UserFactory(), title="Pas pour toi")
    api = client_as(user)
    # when
    everything = api.get(reverse("api-notification-list")).json()
    unread = api.get(reverse("api-notification-list"), {"unread": "true"}).json()
    # then
    assert everything["count"] == 2
    assert [n["id"] for n in everything["results"]] == [read.pk, urgent.pk]
    assert everything["results"][0]["url"] == ""
    assert everything["results"][1] == {
        "id": urgent.pk,
        "level": "urgent",
        "kind": "test",
        "title": "Urgent",
        "body": "",
        "url": "/a/crue/escalations/1/",
        "activation": None,
        "created_at": everything["results"][1]["created_at"],
        "read_at": None,
    }
    assert [n["id"] for n in unread["results"]] == [urgent.pk]


def test_the_api_marks_read(user):
    # given
    first, second, third = _note(user), _note(user), _note(user)
    theirs = _note(UserFactory())
    api = client_as(user)
    # when
    one = api.post(
        reverse("api-notification-mark-read"),
        {"ids": [first.pk, theirs.pk]},
        format="json",
    )
    rest = api.post(reverse("api-notification-mark-read"), {"all": True}, format="json")
    # then
    assert one.json() == {"marked": 1, "unread": 2}
    assert rest.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert all(
        Notification.objects.get(pk=n.pk).read_at for n in (first, second, third)
    )


@pytest.mark.parametrize("payload", [{}, {"ids": []}, {"ids": ["x"]}, {"all": False}])
def test_the_api_refuses_a_bad_mark_read(user, payload):
    _note(user)
    before = _state()
    assert_error(
        client_as(user).post(
            reverse("api-notification-mark-read"), payload, format="json"
        ),
        400,
    )
    assert _state() == before
