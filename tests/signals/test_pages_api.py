"""Signals pages and API: role matrix, review, double submission, CSRF, escaping."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from signals.models import EmergingSignal
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.signals.support import XSS, make_signal

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]

PAGES = {
    # name: (method, action, expected when allowed, is api)
    "signals:list": ("get", Action.VIEW_SIGNALS, 200, False),
    "signals:blind-spots": ("get", Action.VIEW_SIGNALS, 200, False),
    "signals:confirm": ("post", Action.REVIEW_SIGNALS, 302, False),
    "signals:dismiss": ("post", Action.REVIEW_SIGNALS, 302, False),
    "api-signal-list": ("get", Action.VIEW_SIGNALS, 200, True),
    "api-signal-blind-spots": ("get", Action.VIEW_SIGNALS, 200, True),
    "api-signal-confirm": ("post", Action.REVIEW_SIGNALS, 200, True),
    "api-signal-dismiss": ("post", Action.REVIEW_SIGNALS, 200, True),
}


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _url(name, activation, signal):
    if name.endswith(("confirm", "dismiss")):
        return reverse(name, args=[activation.slug, signal.pk])
    return reverse(name, args=[activation.slug])


def _state():
    return list(
        EmergingSignal.objects.values_list("status", "reviewed_by", "closed_at")
    )


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(PAGES))
def test_role_matrix(activation, who, name):
    method, action, ok, is_api = PAGES[name]
    signal = make_signal(activation)
    actor = _actor(who, activation)
    client = APIClient() if is_api else Client()
    if actor is not None:
        client.force_login(actor)
    before = _state()
    url = _url(name, activation, signal)
    response = client.get(url) if method == "get" else client.post(url)
    if who == "anonymous":
        if is_api:
            assert response.status_code in (401, 403)
            assert response.status_code == 401, response.content
        else:
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:1000]
        return
    else:
        assert response.status_code == 403
    assert _state() == before


def test_the_page_shows_the_explanation_sparkline_and_escaped_samples(
    client, activation
):
    signal = make_signal(activation, sample_text=f"Crue {XSS}")
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    page = client.get(reverse("signals:list", args=[activation.slug])).content.decode()
    assert "#crue: 42 posts in the last 15 min, 8.4 times the usual 5; since" in page
    assert "<polyline" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert reverse("signals:confirm", args=[activation.slug, signal.pk]) in page
    assert 'data-geojson-id="activation-area,blind-spots"' in page
    assert "<script>" not in page.split("</head>", 1)[1].replace(
        '<script id="activation-area" type="application/json">', ""
    ).replace('<script id="blind-spots" type="application/json">', "")


def test_observers_see_no_review_buttons(client, activation):
    signal = make_signal(activation)
    client.force_login(make_member(activation, Role.OBSERVER).user)
    page = client.get(reverse("signals:list", args=[activation.slug])).content.decode()
    assert signal.explanation() in page
    assert reverse("signals:dismiss", args=[activation.slug, signal.pk]) not in page


def test_double_submission_is_safe_and_a_dismissed_signal_cannot_be_confirmed(
    client, activation
):
    signal = make_signal(activation)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    dismiss = reverse("signals:dismiss", args=[activation.slug, signal.pk])
    assert client.post(dismiss).status_code == 302
    assert client.post(dismiss).status_code == 302
    signal.refresh_from_db()
    assert signal.status == "dismissed"
    assert signal.closed_at is not None
    response = client.post(
        reverse("signals:confirm", args=[activation.slug, signal.pk]), follow=True
    )
    assert "This signal was already dismissed." in response.content.decode()
    signal.refresh_from_db()
    assert signal.status == "dismissed"
    api = APIClient()
    api.force_login(make_member(activation, Role.TEAM_LEAD).user)
    response = api.post(
        reverse("api-signal-confirm", args=[activation.slug, signal.pk])
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_dismissed"
    response = api.post(
        reverse("api-signal-dismiss", args=[activation.slug, signal.pk])
    )
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"


def test_a_signal_of_another_activation_is_404(client, activation):
    other = make_signal(ActivationFactory())
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = client.post(reverse("signals:confirm", args=[activation.slug, other.pk]))
    assert response.status_code == 302  # refused with a message, nothing changed
    other.refresh_from_db()
    assert other.status == "new"
    api = APIClient()
    api.force_login(make_member(activation, Role.COORDINATOR).user)
    response = api.post(reverse("api-signal-confirm", args=[activation.slug, other.pk]))
    assert response.status_code == 404


def test_csrf_is_enforced(activation):
    signal = make_signal(activation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    response = client.post(
        reverse("signals:confirm", args=[activation.slug, signal.pk])
    )
    assert response.status_code == 403
    signal.refresh_from_db()
    assert signal.status == "new"


def test_the_api_lists_open_signals_with_untrusted_samples(activation):
    make_signal(activation, sample_text=XSS)
    closed = make_signal(activation, key="old")
    closed.status = "dismissed"
    closed.closed_at = closed.last_flagged_at
    closed.save()
    api = APIClient()
    api.force_login(make_member(activation, Role.OBSERVER).user)
    url = reverse("api-signal-list", args=[activation.slug])
    body = api.get(url).json()
    assert [s["key"] for s in body["results"]] == ["crue"]
    assert body["results"][0]["explanation"].startswith("#crue: 42 posts")
    assert body["results"][0]["samples"][0]["text"] == XSS  # plain; clients escape
    assert len(api.get(url, {"all": "1"}).json()["results"]) == 2
    assert api.get(url, {"all": "perhaps"}).status_code == 400


def test_the_blind_spots_are_geojson(client, activation):
    client.force_login(make_member(activation, Role.OBSERVER).user)
    response = client.get(reverse("signals:blind-spots", args=[activation.slug]))
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "FeatureCollection", "features": []}
