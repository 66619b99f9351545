"""Rumour register services: recording, links, status, counter-message, relays."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts import tasks
from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from monitoring.models import Platform
from tests.factories import ActivationFactory, make_item
from verification.models import Case, Relay, Rumour, RumourEvent
from verification.services import rumours as services
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Counter = Rumour.CounterStatus


@pytest.fixture
def lead(activation, member_factory):
    return member_factory(activation, Role.TEAM_LEAD).user


@pytest.fixture
def liaison(activation, member_factory):
    return member_factory(
        activation, Role.LIAISON, first_name="Lou", last_name="Préfète"
    ).user


@pytest.fixture
def rumour(activation, lead):
    return services.rumour_create(
        activation=activation, by=lead, claim="Le barrage de Salagou a cédé"
    )


def _state(rumour):
    """Everything a refused call must leave as it was."""
    fresh = Rumour.objects.get(pk=rumour.pk)
    return {
        "row": dict(Rumour.objects.filter(pk=rumour.pk).values().get().items()),
        "clusters": sorted(fresh.clusters.values_list("pk", flat=True)),
        "cases": sorted(fresh.cases.values_list("pk", flat=True)),
        "events": RumourEvent.objects.filter(rumour=rumour).count(),
        "relays": list(Relay.objects.filter(rumour=rumour).values()),
        "log": LogEntry.objects.filter(activation=fresh.activation).count(),
        "notifications": Notification.objects.count(),
    }


def _case(activation, by, number=1):
    return Case.objects.create(
        activation=activation, number=number, claim="Vérifier le barrage", opened_by=by
    )


def _submitted(rumour, lead):
    rumour = services.counter_message_save(
        rumour=rumour,
        by=lead,
        text="Le barrage tient. Source : préfecture.",
        version=rumour.version,
    )
    return services.counter_message_submit(
        rumour=rumour, by=lead, version=rumour.version
    )


def _approved(rumour, lead, liaison):
    rumour = _submitted(rumour, lead)
    return services.counter_message_decide(
        rumour=rumour, by=liaison, approve=True, note="", version=rumour.version
    )


# --- recording -----------------------------------------------------------------------
def test_numbers_follow_each_other_per_activation(activation, lead):
    other = ActivationFactory()
    first = services.rumour_create(activation=activation, by=lead, claim="A")
    second = services.rumour_create(activation=activation, by=lead, claim="B")
    elsewhere = services.rumour_create(activation=other, by=lead, claim="C")
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)


def test_first_seen_defaults_to_the_earliest_linked_post(activation, lead):
    # given an item whose first copy was posted an hour ago
    early = timezone.now() - dt.timedelta(hours=1)
    item = make_item(activation, copies=2, posted_at=early)
    # when
    rumour = services.rumour_create(
        activation=activation, by=lead, claim="Pillages", cluster_ids=[item.pk]
    )
    # then
    assert rumour.first_seen_at == early
    assert list(rumour.clusters.all()) == [item]
    assert rumour.status == Rumour.Status.DETECTED
    kinds = list(rumour.events.values_list("kind", flat=True))
    assert kinds == ["created", "item_linked"]
    entry = LogEntry.objects.filter(activation=activation).latest("at")
    assert entry.text.startswith("Rumour R1 recorded: Pillages")


def test_first_seen_is_now_without_items(activation, lead):
    before = timezone.now()
    rumour = services.rumour_create(activation=activation, by=lead, claim="X")
    assert before <= rumour.first_seen_at <= timezone.now()


def test_a_rumour_needs_a_claim(activation, lead):
    with pytest.raises(DomainError, match="Write the claim"):
        services.rumour_create(activation=activation, by=lead, claim="   ")
    assert not Rumour.objects.exists()


def test_creating_with_an_item_of_another_activation_is_refused(activation, lead):
    foreign = make_item(ActivationFactory())
    with pytest.raises(DomainError, match="not part of this activation"):
        services.rumour_create(
            activation=activation, by=lead, claim="X", cluster_ids=[foreign.pk]
        )
    assert not Rumour.objects.exists()
    assert not RumourEvent.objects.exists()


# --- links -------------------------------------------------------------------------------
def test_items_of_every_platform_can_be_linked(activation, lead, rumour):
    # given items from three platforms
    items = [
        make_item(activation, platform=platform)
        for platform in (Platform.X, Platform.MASTODON, Platform.BLUESKY)
    ]
    # when
    rumour = services.rumour_link_items(
        rumour=rumour, by=lead, cluster_ids=[i.pk for i in items]
    )
    # then
    assert sorted(rumour.clusters.values_list("pk", flat=True)) == sorted(
        i.pk for i in items
    )
    # linking again is a no-op (no new event)
    events = rumour.events.count()
    services.rumour_link_items(rumour=rumour, by=lead, cluster_ids=[items[0].pk])
    assert rumour.events.count() == events


def test_linking_an_item_of_another_activation_is_refused(activation, lead, rumour):
    # given an item here and one in another activation
    here = make_item(activation)
    foreign = make_item(ActivationFactory())
    before = _state(rumour)
    # when / then: all or nothing
    with pytest.raises(DomainError, match=f"#{foreign.pk} is not part"):
        services.rumour_link_items(
            rumour=rumour, by=lead, cluster_ids=[here.pk, foreign.pk]
        )
    assert _state(rumour) == before


def test_linking_an_older_item_moves_first_seen_back(activation, lead, rumour):
    older = timezone.now() - dt.timedelta(days=1)
    item = make_item(activation, posted_at=older)
    rumour = services.rumour_link_items(rumour=rumour, by=lead, cluster_ids=[item.pk])
    assert Rumour.objects.get(pk=rumour.pk).first_seen_at == older


def test_unlink_an_item(activation, lead, rumour):
    item = make_item(activation)
    services.rumour_link_items(rumour=rumour, by=lead, cluster_ids=[item.pk])
    services.rumour_unlink_item(rumour=rumour, by=lead, cluster_id=item.pk)
    assert not rumour.clusters.exists()
    assert rumour.events.filter(kind="item_unlinked").count() == 1
    with pytest.raises(DomainError, match="not linked"):
        services.rumour_unlink_item(rumour=rumour, by=lead, cluster_id=item.pk)


def test_cases_of_the_same_activation_only(activation, lead, rumour):
    # given a case here and one in another activation
    case = _case(activation, lead)
    foreign = _case(ActivationFactory(), lead)
    # when
    services.rumour_link_case(rumour=rumour, by=lead, case=case)
    before = _state(rumour)
    with pytest.raises(DomainError, match="not part of this activation"):
        services.rumour_link_case(rumour=rumour, by=lead, case=foreign)
    # then
    assert _state(rumour) == before
    assert list(rumour.cases.all()) == [case]
    services.rumour_unlink_case(rumour=rumour, by=lead, case=case)
    assert not rumour.cases.exists()


# --- status ----------------------------------------------------------------------------------
def test_status_flow_is_recorded(activation, lead, rumour):
    # detected -> verifying -> debunked -> verifying (any move, each recorded)
    rumour = services.rumour_set_status(
        rumour=rumour, by=lead, status="verifying", version=1, note="Appel au SDIS"
    )
    rumour = services.rumour_set_status(
        rumour=rumour, by=lead, status="debunked", version=2
    )
    rumour = services.rumour_set_status(
        rumour=rumour, by=lead, status="verifying", version=3, note="Nouvelle vidéo"
    )
    assert (rumour.status, rumour.version) == ("verifying", 4)
    texts = list(rumour.events.filter(kind="status").values_list("text", flat=True))
    assert texts == [
        "Status: Detected → Verifying. Note: Appel au SDIS",
        "Status: Verifying → Debunked.",
        "Status: Debunked → Verifying. Note: Nouvelle vidéo",
    ]
    assert (
        LogEntry.objects.filter(
            activation=activation, kind=LogEntry.Kind.STATUS
        ).count()
        == 3
    )


def test_status_with_linked_cases_can_be_final(activation, lead, rumour):
    services.rumour_link_case(rumour=rumour, by=lead, case=_case(activation, lead))
    rumour = services.rumour_set_status(
        rumour=rumour, by=lead, status="confirmed", version=rumour.version
    )
    assert rumour.status == "confirmed"


def test_stale_status_change_is_refused(activation, lead, rumour):
    services.rumour_set_status(rumour=rumour, by=lead, status="verifying", version=1)
    before = _state(rumour)
    with pytest.raises(ConflictError, match="Someone else changed this rumour"):
        services.rumour_set_status(rumour=rumour, by=lead, status="debunked", version=1)
    assert _state(rumour) == before


def test_same_status_is_refused(activation, lead, rumour):
    before = _state(rumour)
    with pytest.raises(DomainError, match="already “Detected”"):
        services.rumour_set_status(rumour=rumour, by=lead, status="detected", version=1)
    assert _state(rumour) == before


# --- counter-message ----------------------------------------------------------------------------
def test_counter_message_flow_notifies_liaison_then_team(
    activation,
    lead,
    liaison,
    rumour,
    member_factory,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given another team lead, a volunteer and the email task run in-process
    other_lead = member_factory(activation, Role.TEAM_LEAD).user
    volunteer = member_factory(activation, Role.VOLUNTEER).user
    monkeypatch.setattr(
        tasks.send_notification_emails, "delay", tasks.send_notification_emails
    )
    # when the lead drafts and submits
    with django_capture_on_commit_callbacks(execute=True):
        rumour = services.counter_message_save(
            rumour=rumour, by=lead, text="Le barrage tient.", version=1
        )
        assert rumour.counter_status == Counter.DRAFT
        rumour = services.counter_message_submit(rumour=rumour, by=lead, version=2)
    # then the liaison is told, in the hub and by email
    assert rumour.counter_status == Counter.SUBMITTED
    assert rumour.counter_submitted_by == lead
    note = Notification.objects.get(user=liaison)
    assert (note.level, note.kind) == ("action", "counter_message")
    assert note.title == "Counter-message to approve: rumour R1"
    assert note.url == f"/a/{activation.slug}/rumours/1/"
    assert [m.to for m in mail.outbox] == [[liaison.email]]
    # when the liaison approves
    with django_capture_on_commit_callbacks(execute=True):
        rumour = services.counter_message_decide(
            rumour=rumour, by=liaison, approve=True, note="OK", version=3
        )
    # then the submitter and the team leads are told (not the volunteer)
    assert rumour.counter_status == Counter.APPROVED
    assert (rumour.counter_decided_by, rumour.counter_decision_note) == (liaison, "OK")
    told = set(
        Notification.objects.filter(kind="counter_message_decision").values_list(
            "user", flat=True
        )
    )
    assert told == {lead.pk, other_lead.pk}
    assert volunteer.pk not in told
    assert LogEntry.objects.filter(
        activation=activation,
        kind=LogEntry.Kind.DECISION,
        text="Rumour R1: counter-message approved by Lou Préfète.",
    ).exists()
    kinds = list(rumour.events.values_list("kind", flat=True))
    assert kinds == [
        "created",
        "counter_saved",
        "counter_submitted",
        "counter_approved",
    ]


def test_only_a_liaison_decides(activation, lead, liaison, rumour, member_factory):
    rumour = _submitted(rumour, lead)
    coordinator = member_factory(activation, Role.COORDINATOR).user
    before = _state(rumour)
    for person in (lead, coordinator):
        with pytest.raises(services.NotAllowed, match="Only the authority's liaison"):
            services.counter_message_decide(
                rumour=rumour, by=person, approve=True, version=rumour.version
            )
    assert _state(rumour) == before


def test_approving_twice_is_a_conflict_naming_the_first(
    activation, lead, liaison, rumour, member_factory
):
    # given an approved counter-message
    rumour = _approved(rumour, lead, liaison)
    second = member_factory(activation, Role.LIAISON).user
    before = _state(rumour)
    # when the same liaison double-clicks, or another one decides on the stale page
    for person, approve in ((liaison, True), (second, False)):
        with pytest.raises(ConflictError) as refused:
            services.counter_message_decide(
                rumour=rumour, by=person, approve=approve, note="Non", version=3
            )
        # then
        assert refused.value.code == "already_decided"
        assert "already approved by Lou Préfète at" in refused.value.message
    assert _state(rumour) == before


def test_rejecting_needs_remarks_and_the_team_revises(
    activation, lead, liaison, rumour
):
    rumour = _submitted(rumour, lead)
    before = _state(rumour)
    with pytest.raises(DomainError, match="remarks are needed"):
        services.counter_message_decide(
            rumour=rumour, by=liaison, approve=False, note=" ", version=rumour.version
        )
    assert _state(rumour) == before
    rumour = services.counter_message_decide(
        rumour=rumour,
        by=liaison,
        approve=False,
        note="Citer le numéro vert",
        version=rumour.version,
    )
    assert rumour.counter_status == Counter.REJECTED
    # submitting the rejected text again is refused: revise it first
    with pytest.raises(DomainError, match="change it and save the draft"):
        services.counter_message_submit(rumour=rumour, by=lead, version=rumour.version)
    rumour = services.counter_message_save(
        rumour=rumour,
        by=lead,
        text="Le barrage tient. Numéro vert : 0800…",
        version=rumour.version,
    )
    assert rumour.counter_status == Counter.DRAFT
    assert rumour.counter_decision_note == "Citer le numéro vert"  # still shown
    rumour = services.counter_message_submit(
        rumour=rumour, by=lead, version=rumour.version
    )
    assert rumour.counter_status == Counter.SUBMITTED
    assert rumour.counter_decision_note == ""


def test_a_submitted_message_cannot_be_edited_until_withdrawn(activation, lead, rumour):
    rumour = _submitted(rumour, lead)
    before = _state(rumour)
    with pytest.raises(ConflictError, match="withdraw it before changing it"):
        services.counter_message_save(
            rumour=rumour, by=lead, text="Autre texte", version=rumour.version
        )
    assert _state(rumour) == before
    rumour = services.counter_message_withdraw(
        rumour=rumour, by=lead, version=rumour.version
    )
    assert rumour.counter_status == Counter.DRAFT
    rumour = services.counter_message_save(
        rumour=rumour, by=lead, text="Autre texte", version=rumour.version
    )
    assert rumour.counter_message == "Autre texte"


def test_an_approved_message_is_locked_too(activation, lead, liaison, rumour):
    rumour = _approved(rumour, lead, liaison)
    before = _state(rumour)
    with pytest.raises(ConflictError, match=r"approved by Lou Préfète at .*withdraw"):
        services.counter_message_save(
            rumour=rumour, by=lead, text="Modifié", version=rumour.version
        )
    assert _state(rumour) == before


def test_double_submit_is_a_conflict(activation, lead, rumour):
    rumour = _submitted(rumour, lead)
    before = _state(rumour)
    with pytest.raises(ConflictError, match="already submitted by"):
        services.counter_message_submit(
            rumour=rumour, by=lead, version=rumour.version - 1
        )
    assert _state(rumour) == before


def test_stale_draft_save_is_refused(activation, lead, rumour):
    services.counter_message_save(rumour=rumour, by=lead, text="Premier", version=1)
    before = _state(rumour)
    with pytest.raises(ConflictError):
        services.counter_message_save(rumour=rumour, by=lead, text="Second", version=1)
    assert _state(rumour) == before
    assert Rumour.objects.get(pk=rumour.pk).counter_message == "Premier"


def test_deciding_without_a_submission_is_refused(activation, lead, liaison, rumour):
    before = _state(rumour)
    with pytest.raises(DomainError, match="no counter-message waiting"):
        services.counter_message_decide(
            rumour=rumour, by=liaison, approve=True, version=rumour.version
        )
    assert _state(rumour) == before


# --- relays ---------------------------------------------------------------------------------------
def test_relay_before_approval_is_refused(activation, lead, rumour):
    rumour = _submitted(rumour, lead)
    before = _state(rumour)
    with pytest.raises(DomainError, match="once the authority has approved"):
        services.relay_record(
            rumour=rumour, by=lead, channel="x", link="https://x.com/sdis34/status/1"
        )
    assert _state(rumour) == before


def test_relay_is_recorded_once(activation, lead, liaison, rumour):
    rumour = _approved(rumour, lead, liaison)
    relay = services.relay_record(
        rumour=rumour,
        by=lead,
        channel="mastodon",
        link="https://mastodon.social/@vost/1",
        note="Compte du VOST",
    )
    assert (relay.channel, relay.recorded_by, relay.note) == (
        "mastodon",
        lead,
        "Compte du VOST",
    )
    assert rumour.events.filter(kind="relay").count() == 1
    before = _state(rumour)
    with pytest.raises(DomainError, match="already recorded") as refused:
        services.relay_record(
            rumour=rumour,
            by=lead,
            channel="mastodon",
            link="https://mastodon.social/@vost/1",
        )
    assert refused.value.code == "duplicate_relay"
    assert _state(rumour) == before
    # the same link on another channel is another relay
    services.relay_record(
        rumour=rumour,
        by=lead,
        channel="website",
        link="https://mastodon.social/@vost/1",
    )
    assert rumour.relays.count() == 2


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "ftp://example.org/x", "", "data:text/html,<b>"]
)
def test_relay_link_must_be_http(activation, lead, liaison, rumour, link):
    rumour = _approved(rumour, lead, liaison)
    with pytest.raises(DomainError, match="http or https"):
        services.relay_record(rumour=rumour, by=lead, channel="x", link=link)
    assert not Relay.objects.exists()


def test_relay_in_the_future_is_refused(activation, lead, liaison, rumour):
    rumour = _approved(rumour, lead, liaison)
    with pytest.raises(DomainError, match="future"):
        services.relay_record(
            rumour=rumour,
            by=lead,
            channel="x",
            link="https://x.com/a/status/2",
            relayed_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert not Relay.objects.exists()
