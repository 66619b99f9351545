"""Relay services: drafts, the approval the agreement requires, one post per
channel, publishing once through double submissions, retries and crashes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from activations.models import ActivationMember
from monitoring.models import Platform, Post
from relay import services
from relay.models import OfficialMessage, RelayTask
from relay.publishers import TransientPublishError
from tests.factories import make_member
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Status = RelayTask.Status


def _message(
    activation,
    by,
    text="Évacuation du quartier des Aubes : rejoignez le gymnase Jean-Moulin.",
    **kw,
):
    return services.official_message_create(
        activation=activation,
        by=by,
        text=text,
        url="https://www.herault.gouv.fr/alerte",
        **kw,
    )


def _task(message, channel):
    return message.tasks.get(channel=channel)


def _approved(task, lead, liaison):
    services.relay_task_request_approval(task=task, by=lead)
    return services.relay_task_approve(task=task, by=liaison)


def _no_approval(activation):
    activation.agreement.relay_needs_approval = False
    activation.agreement.save(update_fields=["relay_needs_approval"])


# --- drafts ---------------------------------------------------------------------------
def test_a_message_gets_one_draft_per_channel_within_each_limit(
    activation, lead, channels
):
    # given a long message
    text = "Crue du Lez : " + "évitez les berges et les parkings souterrains. " * 20
    # when
    message = _message(activation, lead, text=text)
    # then
    tasks = {t.channel: t for t in message.tasks.all()}
    assert set(tasks) == {"x", "mastodon", "bluesky"}
    assert message.status == OfficialMessage.Status.DRAFTED
    for channel, limit in (("x", 280), ("bluesky", 300), ("mastodon", 500)):
        draft = tasks[channel].text
        assert services.drafting.weighted_length(draft, channel) <= limit
        assert draft.startswith(
            f"[{activation.authority.short_name or activation.authority.name}] Crue du Lez"
        )
        assert "\u2026 https://www.herault.gouv.fr/alerte #Crue34" in draft
        assert tasks[channel].status == Status.DRAFT


def test_without_a_channel_nothing_is_drafted_and_preparing_is_refused(
    activation, lead
):
    # given no channel configured
    message = _message(activation, lead)
    assert message.status == OfficialMessage.Status.RECEIVED
    # when / then
    with pytest.raises(DomainError, match="No relay channel is configured"):
        services.relay_drafts_prepare(message=message, by=lead)
    assert RelayTask.objects.count() == 0


def test_a_message_is_drafted_once_per_channel(activation, lead, channels):
    message = _message(activation, lead)
    # preparing again adds nothing
    assert services.relay_drafts_prepare(message=message, by=lead) == []
    assert message.tasks.count() == 3
    # and the database refuses a second task for a channel
    with pytest.raises(IntegrityError), transaction.atomic():
        RelayTask.objects.create(
            message=message, channel="x", text="again", idempotency_key="k2"
        )


def test_a_draft_too_long_is_refused_and_unchanged(activation, lead, channels):
    task = _task(_message(activation, lead), "x")
    before = task.text
    with pytest.raises(
        DomainError, match="X allows 280 characters: this draft has 281"
    ):
        services.relay_task_edit(task=task, by=lead, text="a" * 281)
    task.refresh_from_db()
    assert task.text == before


def test_on_x_a_link_counts_23_characters(activation, lead, channels):
    task = _task(_message(activation, lead), "x")
    text = "a" * 256 + " https://example.org/" + "x" * 300
    task = services.relay_task_edit(task=task, by=lead, text=text)
    assert services.drafting.weighted_length(task.text, "x") == 280


# --- approval ---------------------------------------------------------------------------
def test_publishing_without_the_required_approval_is_refused(
    activation, lead, channels
):
    task = _task(_message(activation, lead), "mastodon")
    with pytest.raises(DomainError, match="requires the authority's approval"):
        services.relay_task_publish(task=task, by=lead)
    task.refresh_from_db()
    assert task.status == Status.DRAFT
    assert task.publish_requested_at is None


def test_the_liaison_approves_once_and_the_second_approval_names_the_first(
    activation, lead, liaison, channels
):
    # given a draft sent for approval: the liaison is told
    task = _task(_message(activation, lead), "mastodon")
    services.relay_task_request_approval(task=task, by=lead)
    assert Notification.objects.filter(user=liaison, kind="relay_approval").count() == 1
    # when approved twice (by the same liaison and another one)
    services.relay_task_approve(task=task, by=liaison)
    other = make_member(activation, Role.LIAISON).user
    with pytest.raises(
        ConflictError, match=f"already approved by {liaison.display_name}"
    ):
        services.relay_task_approve(task=task, by=other)
    # then
    task.refresh_from_db()
    assert (task.status, task.approved_by) == (Status.APPROVED, liaison)


def test_only_a_liaison_approves(activation, lead, channels):
    task = _task(_message(activation, lead), "mastodon")
    services.relay_task_request_approval(task=task, by=lead)
    coordinator = make_member(activation, Role.COORDINATOR).user
    with pytest.raises(services.NotAllowed):
        services.relay_task_approve(task=task, by=coordinator)
    task.refresh_from_db()
    assert task.status == Status.AWAITING_APPROVAL


def test_an_approved_draft_can_no_longer_be_changed(
    activation, lead, liaison, channels
):
    task = _approved(_task(_message(activation, lead), "x"), lead, liaison)
    with pytest.raises(ConflictError, match=f"approved by {liaison.display_name}"):
        services.relay_task_edit(task=task, by=lead, text="Autre texte")


def test_without_required_approval_the_team_publishes_directly(
    activation, lead, channels
):
    _no_approval(activation)
    task = _task(_message(activation, lead), "x")
    with pytest.raises(DomainError, match="does not require"):
        services.relay_task_request_approval(task=task, by=lead)
    task = services.relay_task_publish(task=task, by=lead)
    assert task.status == Status.OUTBOX  # no X credentials here


# --- outbox ------------------------------------------------------------------------------
def test_without_credentials_the_post_goes_to_the_outbox_then_its_link_is_recorded(
    activation, lead, liaison, channels
):
    task = _approved(_task(_message(activation, lead), "bluesky"), lead, liaison)
    task = services.relay_task_publish(task=task, by=lead)
    assert task.status == Status.OUTBOX
    link = "https://bsky.app/profile/vost34.bsky.social/post/3k2a"
    task = services.relay_task_record_link(task=task, by=lead, url=link)
    assert (task.status, task.published_url, task.published_by) == (
        Status.PUBLISHED,
        link,
        lead,
    )
    with pytest.raises(ConflictError, match="Already recorded as published"):
        services.relay_task_record_link(task=task, by=lead, url=link + "x")
    with pytest.raises(ConflictError, match="Already published on Bluesky"):
        services.relay_task_publish(task=task, by=lead)


def test_a_disabled_channel_is_refused(activation, lead, channels):
    _no_approval(activation)
    task = _task(_message(activation, lead), "x")
    services.relay_settings_save(
        activation=activation, by=lead, channels={"x": (False, "")}, handles=[]
    )
    with pytest.raises(DomainError, match="X is not configured for this activation"):
        services.relay_task_publish(task=task, by=lead)
    task.refresh_from_db()
    assert task.status == Status.DRAFT


# --- publishing through the platforms ---------------------------------------------------------
def test_a_double_publish_request_posts_once(
    activation, lead, channels, fake, eager, django_capture_on_commit_callbacks
):
    # given
    _no_approval(activation)
    task = _task(_message(activation, lead), "mastodon")
    # when published twice (two clicks)
    with django_capture_on_commit_callbacks(execute=True):
        services.relay_task_publish(task=task, by=lead)
    with (
        pytest.raises(ConflictError, match="Already published"),
        django_capture_on_commit_callbacks(execute=True) as second,
    ):
        services.relay_task_publish(task=task, by=lead)
    # then
    assert second == []
    task.refresh_from_db()
    assert task.status == Status.PUBLISHED
    assert len(fake.writes()) == 1
    assert task.published_url == fake.statuses[task.idempotency_key]["url"]


def test_running_the_task_twice_posts_once(activation, lead, channels, fake):
    _no_approval(activation)
    for channel in ("mastodon", "bluesky", "x"):
        task = services.relay_task_publish(
            task=_task(_message(activation, lead, text=f"Message {channel}"), channel),
            by=lead,
        )
        services.relay_publish(task_id=task.pk)
        services.relay_publish(task_id=task.pk)  # redelivered
    assert fake.posts_made == 3
    assert len(fake.writes()) == 3
    assert set(
        RelayTask.objects.filter(status=Status.PUBLISHED).values_list(
            "channel", flat=True
        )
    ) == {"mastodon", "bluesky", "x"}


def test_an_attempt_under_way_is_left_alone(activation, lead, channels, fake):
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), "x"), by=lead
    )
    RelayTask.objects.filter(pk=task.pk).update(
        in_flight=True, last_attempt_at=timezone.now(), attempts=1
    )
    services.relay_publish(task_id=task.pk)
    assert fake.writes() == []
    task.refresh_from_db()
    assert task.status == Status.PUBLISHING


def _crash_after_the_platform_acted(task):
    """The worker died between the platform's action and its answer: the row
    stays "publishing", in flight, past its lease."""
    with pytest.raises(TransientPublishError):
        services.relay_publish(task_id=task.pk)
    RelayTask.objects.filter(pk=task.pk).update(
        in_flight=True, last_attempt_at=timezone.now() - dt.timedelta(minutes=5)
    )


@pytest.mark.parametrize("channel", ["mastodon", "bluesky"])
def test_a_retry_after_a_crash_does_not_post_twice(
    activation, lead, channels, fake, channel
):
    # given the platform made the post but the worker never saw the answer
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), channel), by=lead
    )
    fake.plan = ["drop"]
    _crash_after_the_platform_acted(task)
    assert fake.posts_made == 1
    # when the task is retried
    task = services.relay_publish(task_id=task.pk)
    # then the same post is recorded, none is added
    assert fake.posts_made == 1
    assert task.status == Status.PUBLISHED
    assert task.attempts == 2
    if channel == "mastodon":
        keys = [w.headers["Idempotency-Key"] for w in fake.writes()]
        assert keys == [task.idempotency_key] * 2  # same key: Mastodon deduplicates
        assert task.published_url == fake.statuses[task.idempotency_key]["url"]
    else:
        assert len(fake.writes()) == 1  # getRecord found it: no second createRecord
        assert (
            task.published_url
            == f"https://bsky.app/profile/vost34.bsky.social/post/{task.idempotency_key}"
        )


def test_on_x_a_retry_after_a_crash_stops_at_the_duplicate(
    activation, lead, channels, fake
):
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), "x"), by=lead
    )
    fake.plan = ["drop"]
    _crash_after_the_platform_acted(task)
    task = services.relay_publish(task_id=task.pk)
    assert len(fake.tweets) == 1
    assert task.status == Status.FAILED
    assert "probably already published" in task.last_error
    # the team checks the account and records the link
    link = f"https://x.com/i/web/status/{fake.tweets[0]['id']}"
    task = services.relay_task_record_link(task=task, by=lead, url=link)
    assert task.status == Status.PUBLISHED


def test_a_5xx_stays_retryable_then_publishes(activation, lead, channels, fake):
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), "x"), by=lead
    )
    fake.plan = ["500"]
    with pytest.raises(TransientPublishError):
        services.relay_publish(task_id=task.pk)
    task.refresh_from_db()
    assert (task.status, task.in_flight, task.last_error) == (
        Status.PUBLISHING,
        False,
        "X: HTTP 503",
    )
    task = services.relay_publish(task_id=task.pk)
    assert task.status == Status.PUBLISHED
    assert len(fake.tweets) == 1


def test_a_4xx_fails_with_a_clear_message_and_tells_the_requester(
    activation, lead, channels, fake
):
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), "mastodon"), by=lead
    )
    fake.plan = ["401"]
    task = services.relay_publish(task_id=task.pk)
    assert task.status == Status.FAILED
    assert task.last_error == (
        "Mastodon refused the post: Mastodon: HTTP 401 (The access token is invalid)"
        " - the access token is missing, expired or revoked"
    )
    assert Notification.objects.filter(user=lead, kind="relay_failed").count() == 1
    assert fake.posts_made == 0


def test_giving_up_after_the_last_retry_fails_the_task(
    activation, lead, channels, fake
):
    _no_approval(activation)
    task = services.relay_task_publish(
        task=_task(_message(activation, lead), "x"), by=lead
    )
    task = services.relay_publish_give_up(task_id=task.pk, error="X: HTTP 503")
    assert task.status == Status.FAILED
    assert "kept failing" in task.last_error


# --- intake ----------------------------------------------------------------------------------
def _post(activation, **fields):
    now = timezone.now()
    values = {
        "activation": activation,
        "platform": Platform.MASTODON,
        "external_id": f"p-{Post.objects.count()}",
        "url": "https://mastodon.social/@someone/1",
        "author_handle": "someone@mastodon.social",
        "text": "Un texte",
        "lang": "fr",
        "posted_at": now,
        "received_at": now,
    }
    values.update(fields)
    return Post.objects.create(**values)


def test_cap_alerts_and_the_authoritys_posts_become_messages_once(
    activation, lead, channels
):
    # given a CAP alert, a post of the authority's account, and a citizen's post
    cap = _post(
        activation,
        platform=Platform.CAP,
        text="Vigilance rouge crues",
        author_handle="meteo-france",
    )
    own = _post(
        activation,
        author_handle="@Prefet34@mastodon.social",
        text="Fermeture de la D986",
        lang="fr",
    )
    _post(activation, text="Ma cave est inondée")
    # when collected twice
    assert services.official_messages_collect(activation=activation) == 2
    assert services.official_messages_collect(activation=activation) == 0
    # then
    messages = {m.source_post_id: m for m in OfficialMessage.objects.all()}
    assert set(messages) == {cap.pk, own.pk}
    assert messages[cap.pk].origin == OfficialMessage.Origin.CAP
    assert messages[own.pk].origin == OfficialMessage.Origin.AUTHORITY_ACCOUNT
    assert messages[own.pk].tasks.count() == 3
    assert services.official_message_from_post(post=cap) == messages[cap.pk]


def test_the_beat_task_collects_once(activation, lead, channels):
    from relay import tasks

    _post(activation, platform=Platform.CAP, text="Alerte crue", author_handle="cap")
    assert tasks.collect_official_messages() == 1
    assert tasks.collect_official_messages() == 0
    assert (
        OfficialMessage.objects.filter(origin=OfficialMessage.Origin.CAP).count() == 1
    )


def test_the_agreement_says_whether_approval_is_needed(activation, client):
    from django.urls import reverse

    from activations.models import OrganisationMember
    from tests.factories import OrganisationMemberFactory, UserFactory

    # the API of agreements reads and writes the field
    coordinator = UserFactory()
    OrganisationMemberFactory(
        organisation=activation.agreement.vost_team,
        user=coordinator,
        role=OrganisationMember.Role.COORDINATOR,
    )
    client.force_login(coordinator)
    url = reverse("api-agreement-detail", args=[activation.agreement.pk])
    assert client.get(url).json()["relay_needs_approval"] is True
    response = client.patch(
        url, {"relay_needs_approval": False}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    activation.agreement.refresh_from_db()
    assert activation.agreement.relay_needs_approval is False
