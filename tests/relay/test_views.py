"""Relay pages and API: role matrix, CSRF, refusals that change nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from relay import services
from relay.models import Channel, OfficialMessage, RelayTask
from tests.factories import ALL_ROLES, UserFactory, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Status = RelayTask.Status
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _setup(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    services.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (True, "") for c in Channel},
        handles=[],
    )
    message = services.official_message_create(
        activation=activation, by=lead, text="Restez chez vous."
    )
    return lead, message


def _awaiting(message, lead):
    task = message.tasks.get(channel="x")
    return services.relay_task_request_approval(task=task, by=lead)


def _approved(message, lead):
    task = _awaiting(message, lead)
    liaison = make_member(message.activation, Role.LIAISON).user
    return services.relay_task_approve(task=task, by=liaison)


def _outbox(message, lead):
    task = _approved(message, lead)
    return services.relay_task_publish(task=task, by=lead)


def _draft(message, _lead):
    return message.tasks.get(channel="x")


# name: (method, action, make task or None, payload, ok status)
PAGES = {
    "message-list": ("get", Action.VIEW_RELAY, None, None, 200),
    "outbox": ("get", Action.VIEW_RELAY, None, None, 200),
    "settings": ("get", Action.MANAGE_RELAY, None, None, 200),
    "settings post": (
        "post",
        Action.MANAGE_RELAY,
        None,
        {"x_enabled": "on", "x_hashtags": "#a", "handles": "prefet34"},
        302,
    ),
    "message-create": (
        "post",
        Action.SUBMIT_OFFICIAL_MESSAGE,
        None,
        {"text": "Message", "url": "", "language": "fr"},
        302,
    ),
    "message-detail": ("get", Action.VIEW_RELAY, "message", None, 200),
    "message-drafts": ("post", Action.MANAGE_RELAY, "message", {}, 302),
    "task-edit": ("post", Action.MANAGE_RELAY, _draft, {"text": "Nouveau"}, 302),
    "task-request-approval": ("post", Action.MANAGE_RELAY, _draft, {}, 302),
    "task-approve": ("post", Action.APPROVE_RELAY, _awaiting, {}, 302),
    "task-publish": ("post", Action.MANAGE_RELAY, _approved, {}, 302),
    "task-link": (
        "post",
        Action.MANAGE_RELAY,
        _outbox,
        {"url": "https://x.com/i/web/status/1"},
        302,
    ),
    "task-cancel": ("post", Action.MANAGE_RELAY, _draft, {}, 302),
}


def _state():
    return (
        sorted(OfficialMessage.objects.values_list("id", "status", "text")),
        sorted(
            RelayTask.objects.values_list(
                "id", "status", "text", "approved_by", "published_url"
            )
        ),
    )


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, make, data, ok = PAGES[page]
    lead, message = _setup(activation)
    name = page.split(" ")[0]
    if make is None:
        url = reverse(f"relay:{name}", args=[activation.slug])
    elif make == "message":
        url = reverse(f"relay:{name}", args=[activation.slug, message.pk])
    else:
        url = reverse(f"relay:{name}", args=[activation.slug, make(message, lead).pk])
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    payload = dict(data or {})
    if name == "task-link":
        payload = {f"t{url.split('/')[-3]}-url": payload["url"]}
    before = _state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:3000]
        return
    else:
        assert response.status_code == 403
    assert _state() == before


def test_csrf_is_required(activation):
    lead, _message = _setup(activation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    before = _state()
    response = client.post(
        reverse("relay:message-create", args=[activation.slug]),
        {"text": "Sans jeton", "language": "fr"},
    )
    assert response.status_code == 403
    assert _state() == before


def test_the_liaison_sees_the_message_and_approves_but_cannot_publish(
    client, activation
):
    lead, message = _setup(activation)
    task = _awaiting(message, lead)
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    page = client.get(
        reverse("relay:message-detail", args=[activation.slug, message.pk])
    )
    content = page.content.decode()
    assert "Restez chez vous." in content
    assert reverse("relay:task-approve", args=[activation.slug, task.pk]) in content
    assert reverse("relay:task-publish", args=[activation.slug, task.pk]) not in content
    response = client.post(
        reverse("relay:task-approve", args=[activation.slug, task.pk])
    )
    assert response.status_code == 302
    # approving twice: a clear refusal naming who approved
    again = client.post(reverse("relay:task-approve", args=[activation.slug, task.pk]))
    assert again.status_code == 409
    assert f"already approved by {liaison.display_name}" in again.content.decode()


def test_a_too_long_draft_is_refused_with_the_form_kept(client, activation):
    lead, message = _setup(activation)
    task = message.tasks.get(channel="x")
    client.force_login(lead)
    before = _state()
    response = client.post(
        reverse("relay:task-edit", args=[activation.slug, task.pk]), {"text": "é" * 300}
    )
    assert response.status_code == 400
    assert "X allows 280 characters: this draft has 300." in response.content.decode()
    assert _state() == before


def test_an_empty_message_is_refused(client, activation):
    lead, _message = _setup(activation)
    client.force_login(lead)
    before = _state()
    response = client.post(
        reverse("relay:message-create", args=[activation.slug]),
        {"text": "  ", "url": "javascript:alert(1)", "language": "fr"},
    )
    assert response.status_code == 400
    assert _state() == before


def test_publishing_with_no_channel_configured_is_refused(client, activation):
    lead, message = _setup(activation)
    activation.agreement.relay_needs_approval = False
    activation.agreement.save()
    task = message.tasks.get(channel="mastodon")
    services.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (False, "") for c in Channel},
        handles=[],
    )
    client.force_login(lead)
    before = _state()
    response = client.post(
        reverse("relay:task-publish", args=[activation.slug, task.pk])
    )
    assert response.status_code == 400
    assert "Mastodon is not configured for this activation" in response.content.decode()
    assert _state() == before


def test_a_task_of_another_activation_is_not_found(client, activation):
    from tests.factories import ActivationFactory

    other = ActivationFactory()
    _lead, message = _setup(other)
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    task = message.tasks.get(channel="x")
    response = client.post(
        reverse("relay:task-cancel", args=[activation.slug, task.pk])
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == Status.DRAFT


# --- API --------------------------------------------------------------------------------
API = {
    "message-list": ("get", Action.VIEW_RELAY, None, None, 200),
    "message-list post": (
        "post",
        Action.SUBMIT_OFFICIAL_MESSAGE,
        None,
        {"text": "Message", "language": "en"},
        201,
    ),
    "message-detail": ("get", Action.VIEW_RELAY, "message", None, 200),
    "task-list": ("get", Action.VIEW_RELAY, None, None, 200),
    "task-draft": ("post", Action.MANAGE_RELAY, _draft, {"text": "Nouveau"}, 200),
    "task-request-approval": ("post", Action.MANAGE_RELAY, _draft, {}, 200),
    "task-approve": ("post", Action.APPROVE_RELAY, _awaiting, {}, 200),
    "task-publish": ("post", Action.MANAGE_RELAY, _approved, {}, 200),
    "task-link": (
        "post",
        Action.MANAGE_RELAY,
        _outbox,
        {"url": "https://x.com/i/web/status/1"},
        200,
    ),
    "task-cancel": ("post", Action.MANAGE_RELAY, _draft, {}, 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(API))
def test_api_role_matrix(client, activation, who, endpoint):
    method, action, make, data, ok = API[endpoint]
    lead, message = _setup(activation)
    name = "api-relay-" + endpoint.split(" ")[0]
    if make is None:
        url = reverse(name, args=[activation.slug])
    elif make == "message":
        url = reverse(name, args=[activation.slug, message.pk])
    else:
        url = reverse(name, args=[activation.slug, make(message, lead).pk])
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    before = _state()
    response = (
        client.get(url)
        if method == "get"
        else client.post(url, data or {}, content_type="application/json")
    )
    if who == "anonymous":
        assert response.status_code in (401, 403)
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        return
    else:
        assert response.status_code == 403
    assert _state() == before


def test_api_approve_twice_answers_409_with_the_house_error_body(client, activation):
    lead, message = _setup(activation)
    task = _awaiting(message, lead)
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    url = reverse("api-relay-task-approve", args=[activation.slug, task.pk])
    assert client.post(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_approved"
    assert liaison.display_name in error["message"]


def test_api_bad_input_is_a_400(client, activation):
    lead, _message = _setup(activation)
    client.force_login(lead)
    before = _state()
    response = client.post(
        reverse("api-relay-message-list", args=[activation.slug]),
        {"text": "", "language": "de"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"text", "language"}
    assert _state() == before
