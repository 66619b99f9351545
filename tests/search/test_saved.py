"""Saved searches: create/edit/delete/follow (services, page, API), alerts run by
the beat task, duplicates, throttling, role matrix, CSRF."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from activations.models import ActivationMember
from monitoring.models import Post
from search import services, tasks
from search.models import SavedSearch
from tests.factories import UserFactory, make_item, make_member
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
ROLES = [Role.COORDINATOR, Role.TEAM_LEAD, Role.VOLUNTEER, Role.LIAISON, Role.OBSERVER]
MANAGERS = {Role.COORDINATOR, Role.TEAM_LEAD, Role.VOLUNTEER}
READERS = MANAGERS | {Role.OBSERVER}


def post(activation, text, **fields):
    return make_item(activation, text=text, **fields).representative


def saved(activation, user=None, query="inondation", **kwargs):
    user = user or make_member(activation, Role.VOLUNTEER).user
    return services.saved_search_create(
        activation=activation,
        user=user,
        name=kwargs.pop("name", "Inondations"),
        query=query,
        filters=kwargs.pop("filters", {}),
        **kwargs,
    )


def test_create_checks_input_and_duplicates(activation):
    user = make_member(activation, Role.VOLUNTEER).user
    s = saved(activation, user)
    assert list(s.followers.all()) == [user]
    with pytest.raises(ConflictError):
        saved(activation, user)
    with pytest.raises(DomainError, match="Nothing to search"):
        saved(activation, user, name="B", query="&&&")
    with pytest.raises(DomainError, match="no longer valid"):
        saved(activation, user, name="C", filters={"bbox": "x"})
    with pytest.raises(DomainError, match="nothing to save"):
        saved(activation, user, name="D", query="")
    assert SavedSearch.objects.count() == 1


def test_alerts_new_matches_once(activation):
    follower = make_member(activation, Role.OBSERVER).user
    post(activation, "Inondation ancienne")  # before: no alert
    s = saved(activation, filters={"lang": "fr"})
    s.followers.add(follower)
    post(activation, "Nouvelle inondation rue Foch")
    post(activation, "flood", lang="en")
    post(activation, "Rien")
    mail.outbox.clear()
    assert services.saved_search_check(saved_search_id=s.pk) == 1
    notes = Notification.objects.filter(kind="saved_search_match")
    assert notes.count() == 2
    assert "1 new post matches" in notes.first().title
    assert "rue Foch" in notes.first().body
    # second run: nothing new, no duplicate
    assert services.saved_search_check(saved_search_id=s.pk) == 0
    assert Notification.objects.filter(kind="saved_search_match").count() == 2
    s.refresh_from_db()
    assert s.last_match_id == Post.objects.order_by("-pk").first().pk


def test_beat_task_fans_out(activation, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from vost.celery import app

    app.conf.task_always_eager = True
    try:
        s = saved(activation)
        post(activation, "inondation encore")
        assert tasks.run_saved_searches() == 1
        assert Notification.objects.filter(kind="saved_search_match").count() == 1
        tasks.run_saved_searches()
        assert Notification.objects.filter(kind="saved_search_match").count() == 1
        s.alerts_enabled = False
        s.save()
        assert tasks.run_saved_searches() == 0
    finally:
        app.conf.task_always_eager = False


def test_throttled_search_pauses_with_one_notice(activation, monkeypatch):
    monkeypatch.setattr(services, "ALERT_THROTTLE", 3)
    s = saved(activation, query="crue")
    for i in range(5):
        post(activation, f"crue {i}")
    assert services.saved_search_check(saved_search_id=s.pk) == 4
    s.refresh_from_db()
    assert s.alerts_paused
    notes = Notification.objects.filter(kind="saved_search_throttled")
    assert notes.count() == 1
    assert "narrow it" in notes.get().title
    assert not Notification.objects.filter(kind="saved_search_match").exists()
    post(activation, "crue encore")
    assert services.saved_search_check(saved_search_id=s.pk) == 0
    assert Notification.objects.filter(kind__startswith="saved_search").count() == 1
    # resuming restarts from the newest post
    services.saved_search_update(saved=s, user=s.created_by, alerts_enabled=True)
    s.refresh_from_db()
    assert not s.alerts_paused
    assert services.saved_search_check(saved_search_id=s.pk) == 0


def test_page_shows_paused_notice(client, activation):
    s = saved(activation)
    SavedSearch.objects.filter(pk=s.pk).update(alerts_paused_at="2026-01-01T00:00Z")
    client.force_login(make_member(activation, Role.OBSERVER).user)
    body = client.get(reverse("search:search", args=[activation.slug])).content.decode()
    assert "matched too many posts" in body


def test_page_create_follow_update_delete(client, activation):
    user = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(user)
    slug = activation.slug
    response = client.post(
        reverse("search:saved-create", args=[slug]),
        {"q": "pont", "lang": "fr", "name": "Ponts", "alerts_enabled": "on"},
    )
    assert response.status_code == 302
    s = SavedSearch.objects.get()
    assert s.query == "pont"
    assert s.filters == {"lang": "fr"}
    # double submission: refused clearly, nothing duplicated
    response = client.post(
        reverse("search:saved-create", args=[slug]),
        {"q": "pont", "name": "Ponts"},
        follow=True,
    )
    assert "already exists" in response.content.decode()
    assert SavedSearch.objects.count() == 1
    client.post(
        reverse("search:saved-update", args=[slug, s.pk]),
        {"do": "rename", "name": "Ponts FR"},
    )
    client.post(
        reverse("search:saved-update", args=[slug, s.pk]),
        {"do": "replace", "q": "passerelle"},
    )
    client.post(reverse("search:saved-update", args=[slug, s.pk]), {"do": "alerts_off"})
    s.refresh_from_db()
    assert (s.name, s.query, s.filters, s.alerts_enabled) == (
        "Ponts FR",
        "passerelle",
        {},
        False,
    )
    response = client.post(
        reverse("search:saved-update", args=[slug, s.pk]),
        {"do": "replace", "q": "&&&"},
        follow=True,
    )
    assert "Nothing to search" in response.content.decode()
    client.post(reverse("search:saved-follow", args=[slug, s.pk]), {"follow": "0"})
    client.post(reverse("search:saved-follow", args=[slug, s.pk]), {"follow": "0"})
    assert not s.followers.exists()
    client.post(reverse("search:saved-delete", args=[slug, s.pk]))
    assert not SavedSearch.objects.exists()
    assert (
        client.post(reverse("search:saved-delete", args=[slug, s.pk])).status_code
        == 404
    )


def test_csrf_enforced(activation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = client.post(
        reverse("search:saved-create", args=[activation.slug]),
        {"q": "pont", "name": "X"},
    )
    assert response.status_code == 403
    assert not SavedSearch.objects.exists()


def test_api_crud(client, activation):
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    base = reverse("api-saved-search-list", args=[activation.slug])
    response = client.post(
        base,
        {"name": "Crues", "query": "crue", "filters": {"lang": "fr"}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["following"] is True
    again = client.post(
        base, {"name": "Crues", "query": "crue"}, content_type="application/json"
    )
    assert again.status_code == 409
    bad = client.post(
        base, {"name": "Y", "filters": {"nope": "1"}}, content_type="application/json"
    )
    assert bad.status_code == 400
    bad = client.post(
        base, {"name": "Y", "query": "&&&"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_search"
    detail = reverse("api-saved-search-detail", args=[activation.slug, pk])
    response = client.patch(
        detail, {"alerts_enabled": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["alerts_enabled"] is False
    follow = reverse("api-saved-search-follow", args=[activation.slug, pk])
    assert (
        client.post(follow, {"follow": False}, content_type="application/json").json()[
            "following"
        ]
        is False
    )
    assert client.delete(detail).status_code == 204
    assert client.get(detail).status_code == 404


def _login(client, who, activation):
    if who == "anonymous":
        return
    client.force_login(
        UserFactory() if who == "non-member" else make_member(activation, who).user
    )


@pytest.mark.parametrize("who", ["anonymous", "non-member", *[str(r) for r in ROLES]])
def test_role_matrix(client, activation, who):
    owner = make_member(activation, Role.COORDINATOR).user
    s = saved(activation, owner, name="Existing")
    _login(client, who, activation)
    slug = activation.slug
    answers = {
        "page": client.get(reverse("search:search", args=[slug])).status_code,
        "follow": client.post(
            reverse("search:saved-follow", args=[slug, s.pk]), {"follow": "1"}
        ).status_code,
        "create": client.post(
            reverse("search:saved-create", args=[slug]), {"q": "pont", "name": "New"}
        ).status_code,
        "update": client.post(
            reverse("search:saved-update", args=[slug, s.pk]), {"do": "alerts_off"}
        ).status_code,
        "api_list": client.get(
            reverse("api-saved-search-list", args=[slug])
        ).status_code,
        "api_create": client.post(
            reverse("api-saved-search-list", args=[slug]),
            {"name": "Api", "query": "pont"},
            content_type="application/json",
        ).status_code,
        "api_patch": client.patch(
            reverse("api-saved-search-detail", args=[slug, s.pk]),
            {"name": "Renamed"},
            content_type="application/json",
        ).status_code,
        "delete": client.post(
            reverse("search:saved-delete", args=[slug, s.pk])
        ).status_code,
    }
    read = {"page": 200, "follow": 302, "api_list": 200}
    manage = {
        "create": 302,
        "update": 302,
        "api_create": 201,
        "api_patch": 200,
        "delete": 302,
    }
    for name, code in answers.items():
        is_api = name.startswith("api")
        if who == "anonymous":
            assert code == (401 if is_api else 302), name
        elif who == "non-member":
            assert code == 404, name
        else:
            allowed = who in (READERS if name in read else MANAGERS)
            expected = (read | manage)[name] if allowed else 403
            assert code == expected, (name, code)
    assert SavedSearch.objects.filter(name="New").exists() == (who in MANAGERS)
