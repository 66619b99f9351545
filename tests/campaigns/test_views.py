"""Campaign and watch pages: who may see and do what (role and organisation
matrix), bad input, CSRF."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from activations.models import Activation, ActivationMember, OrganisationMember
from activations.permissions import ROLE_ACTIONS, Action
from campaigns import services
from campaigns.models import Campaign, PreventionMessage, ScheduledPost
from tests.campaigns.conftest import make_due
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    OrganisationMemberFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role

WHO = [
    "anonymous",
    "outsider",
    "team_member",
    "coordinator",
    "other_coordinator",
    "liaison",
    "other_liaison",
]


@pytest.fixture
def world(activation, make_campaign, coordinator, liaison):
    other = ActivationFactory()  # another team, another authority
    people = {
        "anonymous": None,
        "outsider": UserFactory(),
        "team_member": make_member(activation, Role.VOLUNTEER).user,
        "coordinator": coordinator,
        "other_coordinator": make_member(other, Role.COORDINATOR).user,
        "liaison": liaison,
        "other_liaison": make_member(other, Role.LIAISON).user,
    }
    campaign = make_campaign()
    draft = services.prevention_message_create(
        team=activation.lead_team,
        by=coordinator,
        risk="heat_wave",
        language="fr",
        title="Canicule",
        text="Buvez de l’eau.",
    )
    # a second later than the first campaign's post (never the same moment: the
    # same message cannot be scheduled twice on a channel at one time)
    approved = make_campaign(
        title="Approuvée",
        times=[campaign.posts.get().scheduled_at + dt.timedelta(seconds=1)],
    )
    services.campaign_approve(campaign=approved, by=liaison)
    make_due(approved)
    services.scheduled_post_publish(post_id=approved.posts.get().pk)  # outbox
    return people, campaign, draft, approved


def state():
    return (
        list(Campaign.objects.values_list("pk", "approved_at", "cancelled_at")),
        list(ScheduledPost.objects.values_list("pk", "status")),
        list(PreventionMessage.objects.values_list("pk", "status")),
    )


# name -> (method, args(campaign, draft, approved), data, expected by who)
OK_MANAGERS = {"coordinator": 200, "other_coordinator": 200}
PAGES = {
    "list": (
        "get",
        lambda c, d, a: [],
        None,
        {
            **OK_MANAGERS,
            "liaison": 200,
            "other_liaison": 200,
            "outsider": 403,
            "team_member": 403,
        },
    ),
    "message-create": (
        "get",
        lambda c, d, a: [],
        None,
        {
            **OK_MANAGERS,
            "liaison": 403,
            "other_liaison": 403,
            "outsider": 403,
            "team_member": 403,
        },
    ),
    "campaign-create": (
        "get",
        lambda c, d, a: [],
        None,
        {
            **OK_MANAGERS,
            "liaison": 403,
            "other_liaison": 403,
            "outsider": 403,
            "team_member": 403,
        },
    ),
    "message-approve": (
        "post",
        lambda c, d, a: [d.pk],
        {},
        {
            "coordinator": 302,
            "other_coordinator": 404,
            "liaison": 404,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "message-edit": (
        "get",
        lambda c, d, a: [d.pk],
        None,
        {
            "coordinator": 200,
            "other_coordinator": 404,
            "liaison": 404,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "campaign-detail": (
        "get",
        lambda c, d, a: [c.pk],
        None,
        {
            "coordinator": 200,
            "other_coordinator": 404,
            "liaison": 200,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "campaign-approve": (
        "post",
        lambda c, d, a: [c.pk],
        {},
        {
            "coordinator": 403,
            "other_coordinator": 404,
            "liaison": 302,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "campaign-withdraw": (
        "post",
        lambda c, d, a: [a.pk],
        {},
        {
            "coordinator": 403,
            "other_coordinator": 404,
            "liaison": 302,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "campaign-cancel": (
        "post",
        lambda c, d, a: [c.pk],
        {},
        {
            "coordinator": 302,
            "other_coordinator": 404,
            "liaison": 403,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
    "post-link": (
        "post",
        lambda c, d, a: [a.posts.get().pk],
        {"url": "https://mastodon.example/@v/9"},
        {
            "coordinator": 302,
            "other_coordinator": 404,
            "liaison": 403,
            "other_liaison": 404,
            "outsider": 404,
            "team_member": 404,
        },
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_campaign_pages_matrix(client, world, who, page):
    people, campaign, draft, approved = world
    method, args, data, expected = PAGES[page]
    url = reverse(f"campaigns:{page}", args=args(campaign, draft, approved))
    if people[who] is not None:
        client.force_login(people[who])
    before = state()
    response = client.get(url) if method == "get" else client.post(url, data)
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        return
    assert response.status_code == expected[who], (who, page)
    if method == "post" and expected[who] != 302:
        assert state() == before
    if method == "post" and expected[who] == 302:
        assert state() != before


def test_the_shared_library_is_read_only(client, world):
    people, *_ = world
    shared = PreventionMessage.objects.filter(team=None).first()
    client.force_login(people["coordinator"])
    response = client.post(reverse("campaigns:message-approve", args=[shared.pk]))
    assert response.status_code == 403


WATCH_WHO = ["anonymous", "non-member", *ALL_ROLES]


@pytest.mark.parametrize("who", WATCH_WHO)
@pytest.mark.parametrize("method", ["get", "post"])
def test_watch_convert_matrix(client, who, method):
    activation = ActivationFactory(kind=Activation.Kind.WATCH)
    if who == "non-member":
        client.force_login(UserFactory())
    elif who != "anonymous":
        client.force_login(make_member(activation, who).user)
    url = reverse("campaigns:watch-convert", args=[activation.slug])
    response = client.get(url) if method == "get" else client.post(url)
    activation.refresh_from_db()
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif Action.MANAGE in ROLE_ACTIONS[who]:
        assert response.status_code == (200 if method == "get" else 302)
        if method == "post":
            assert activation.kind == Activation.Kind.CRISIS
            return
    else:
        assert response.status_code == 403
    assert activation.kind == Activation.Kind.WATCH


def test_converting_a_crisis_is_refused_clearly(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    url = reverse("campaigns:watch-convert", args=[activation.slug])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert b"already a crisis activation" in response.content
    activation.refresh_from_db()
    assert activation.kind == Activation.Kind.CRISIS


def test_bad_campaign_input_is_explained_and_changes_nothing(
    client, activation, coordinator, flood_fr
):
    client.force_login(coordinator)
    before = state()
    response = client.post(
        reverse("campaigns:campaign-create"),
        {
            "title": "Crues",
            "agreement": activation.agreement.pk,
            "messages": [flood_fr.pk],
            "channels": ["mastodon"],
            "times": "tomorrow at nine",
        },
    )
    assert response.status_code == 200
    assert "is not a date and time" in response.content.decode()
    response = client.post(
        reverse("campaigns:campaign-create"),
        {
            "title": "Crues",
            "agreement": activation.agreement.pk,
            "messages": [flood_fr.pk],
            "channels": ["mastodon"],
            "times": "2001-01-01 09:00",
        },
    )
    assert response.status_code == 200
    assert "must be in the future" in response.content.decode()
    assert state() == before


def test_a_coordinator_schedules_a_campaign_through_the_form(
    client, activation, coordinator, flood_fr
):
    client.force_login(coordinator)
    response = client.post(
        reverse("campaigns:campaign-create"),
        {
            "title": "Crues d’automne",
            "agreement": activation.agreement.pk,
            "messages": [flood_fr.pk],
            "channels": ["mastodon", "bluesky"],
            "times": "2099-10-01 09:00\n2099-10-08 09:00",
        },
    )
    campaign = Campaign.objects.get(title="Crues d’automne")
    assert response.status_code == 302
    assert campaign.posts.count() == 4
    page = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    assert "Awaiting approval" in page.content.decode()


def test_double_approval_is_refused_without_change(client, world):
    people, campaign, *_ = world
    client.force_login(people["liaison"])
    url = reverse("campaigns:campaign-approve", args=[campaign.pk])
    client.post(url)
    approved_at = Campaign.objects.get(pk=campaign.pk).approved_at
    response = client.post(url, follow=True)
    assert "Already approved" in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).approved_at == approved_at


def test_csrf_is_enforced(world):
    people, campaign, *_ = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["liaison"])
    response = client.post(reverse("campaigns:campaign-approve", args=[campaign.pk]))
    assert response.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).approved_at is None


def test_a_plain_team_member_is_not_a_coordinator(activation):
    member = OrganisationMemberFactory(
        organisation=activation.lead_team, role=OrganisationMember.Role.MEMBER
    ).user
    client = Client()
    client.force_login(member)
    assert client.get(reverse("campaigns:list")).status_code == 403


def test_editing_a_team_message_puts_it_back_to_draft(client, world):
    people, campaign, draft, _approved = world
    services.prevention_message_approve(message=draft, by=people["coordinator"])
    scheduled_text = campaign.posts.get().text
    client.force_login(people["coordinator"])
    url = reverse("campaigns:message-edit", args=[draft.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert b"Buvez de" in page.content
    assert b"approve it again" in page.content
    response = client.post(
        url,
        {"risk": "heat_wave", "language": "fr", "title": "Canicule", "text": "Buvez."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.text, draft.status) == ("Buvez.", PreventionMessage.Status.DRAFT)
    # campaigns already scheduled keep the text they copied
    assert campaign.posts.get().text == scheduled_text
    # bad input: an empty text is refused with the form's message, nothing changes
    response = client.post(
        url, {"risk": "heat_wave", "language": "fr", "title": "Canicule", "text": ""}
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.text == "Buvez."


def test_the_shared_library_cannot_be_edited(client, world):
    people, *_ = world
    shared = PreventionMessage.objects.filter(team__isnull=True).first()
    assert shared is not None
    client.force_login(people["coordinator"])
    url = reverse("campaigns:message-edit", args=[shared.pk])
    assert client.get(url).status_code == 403
    text = shared.text
    assert (
        client.post(
            url, {"risk": shared.risk, "language": "fr", "title": "x", "text": "y"}
        ).status_code
        == 403
    )
    shared.refresh_from_db()
    assert shared.text == text


API_LIST = {
    "anonymous": 401,
    "outsider": 403,
    "team_member": 403,
    "coordinator": 200,
    "other_coordinator": 200,
    "liaison": 200,
    "other_liaison": 200,
}
API_DETAIL = {
    "anonymous": 401,
    "outsider": 404,
    "team_member": 404,
    "coordinator": 200,
    "other_coordinator": 404,
    "liaison": 200,
    "other_liaison": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_campaign_api_matrix(client, world, who):
    people, campaign, _draft, approved = world
    if people[who] is not None:
        client.force_login(people[who])
    listing = client.get(reverse("api-campaign-list"))
    assert listing.status_code in (
        (401, 403) if API_LIST[who] == 401 else (API_LIST[who],)
    )
    detail = client.get(reverse("api-campaign-detail", args=[approved.pk]))
    assert detail.status_code in (
        (401, 403) if API_DETAIL[who] == 401 else (API_DETAIL[who],)
    )
    if listing.status_code == 200:
        ids = {row["id"] for row in listing.json()["results"]}
        mine = who in ("coordinator", "liaison")
        assert ids == ({campaign.pk, approved.pk} if mine else set())


def test_campaign_api_records_what_was_published_where(client, world):
    people, campaign, _draft, approved = world
    client.force_login(people["coordinator"])
    data = client.get(reverse("api-campaign-detail", args=[approved.pk])).json()
    assert data["state"] == "approved"
    [post] = data["posts"]
    published = approved.posts.get()
    assert post["status"] == published.status
    assert post["channel"] == published.channel
    assert post["published_at"] is not None or post["status"] != "published"
    waiting = client.get(reverse("api-campaign-detail", args=[campaign.pk])).json()
    assert waiting["state"] == "awaiting_approval"
