"""Prevention campaigns: library, approval and its withdrawal, publication at
most once through the relay's platform clients or the outbox."""

import pytest
from django.db import IntegrityError

from accounts.models import Notification
from campaigns import services, tasks
from campaigns.models import (
    Campaign,
    PreventionMessage,
    Risk,
    ScheduledPost,
)
from relay import drafting
from relay.models import CHANNEL_LIMITS, Channel
from tests.campaigns.conftest import make_due, soon
from tests.factories import UserFactory
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Status = ScheduledPost.Status


def test_the_shared_library_has_a_french_and_an_english_message_per_risk():
    shared = PreventionMessage.objects.filter(team=None)
    for risk in Risk.values:
        assert set(shared.filter(risk=risk).values_list("language", flat=True)) == {
            "fr",
            "en",
        }
    for message in shared:
        assert message.status == PreventionMessage.Status.APPROVED
        assert message.link.startswith("https://")
        for channel in Channel:
            assert (
                drafting.weighted_length(message.full_text, channel)
                <= CHANNEL_LIMITS[channel]
            ), message.title


def test_a_campaign_under_approval_waits_and_tells_the_liaison(
    make_campaign, liaison, fake
):
    campaign = make_campaign(times=[soon(10), soon(70)], channels=["mastodon", "x"])
    assert campaign.posts.count() == 4
    assert set(campaign.posts.values_list("status", flat=True)) == {
        Status.AWAITING_APPROVAL
    }
    assert Notification.objects.filter(user=liaison, kind="campaign_approval").exists()
    make_due(campaign)
    assert services.scheduled_posts_due() == []
    for post in campaign.posts.all():
        services.scheduled_post_publish(post_id=post.pk)
    assert fake.posts_made == 0


def test_approved_posts_go_out_once_and_are_recorded(make_campaign, liaison, fake):
    campaign = make_campaign()
    services.campaign_approve(campaign=campaign, by=liaison)
    make_due(campaign)
    post = campaign.posts.get()
    done = services.scheduled_post_publish(post_id=post.pk)
    assert done.status == Status.PUBLISHED
    assert done.published_url
    assert done.published_at
    assert done.external_id
    assert done.account == fake.url
    # a second run, a duplicate task, the beat: nothing more
    services.scheduled_post_publish(post_id=post.pk)
    assert services.scheduled_posts_due() == []
    assert fake.posts_made == 1
    assert len(fake.writes()) == 1


def test_publish_due_task_publishes_each_due_post_once(
    make_campaign, liaison, fake, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from vost.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        campaign = make_campaign(channels=["mastodon", "bluesky"])
        services.campaign_approve(campaign=campaign, by=liaison)
        make_due(campaign)
        assert tasks.publish_due() == 2
        assert tasks.publish_due() == 0
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before
    assert fake.posts_made == 2
    assert set(campaign.posts.values_list("status", flat=True)) == {Status.PUBLISHED}


def test_withdrawn_approval_holds_every_post_back(
    make_campaign, liaison, coordinator, fake
):
    campaign = make_campaign(times=[soon(5), soon(65)])
    services.campaign_approve(campaign=campaign, by=liaison)
    assert services.campaign_withdraw_approval(campaign=campaign, by=liaison) == 2
    make_due(campaign)
    for post in campaign.posts.all():
        services.scheduled_post_publish(post_id=post.pk)
    assert fake.posts_made == 0
    assert set(campaign.posts.values_list("status", flat=True)) == {
        Status.AWAITING_APPROVAL
    }
    assert Notification.objects.filter(
        user=coordinator, kind="campaign_withdrawn"
    ).exists()


def test_approval_withdrawn_after_the_post_was_picked_is_checked_at_send_time(
    make_campaign, liaison, fake
):
    campaign = make_campaign()
    services.campaign_approve(campaign=campaign, by=liaison)
    make_due(campaign)
    due = services.scheduled_posts_due()
    # the withdrawal lands between the beat's selection and the send
    Campaign.objects.filter(pk=campaign.pk).update(approved_at=None)
    post = services.scheduled_post_publish(post_id=due[0])
    assert post.status == Status.AWAITING_APPROVAL
    assert fake.posts_made == 0


def test_without_credentials_posts_land_in_the_outbox_and_links_are_recorded(
    make_campaign, liaison, coordinator
):
    campaign = make_campaign()
    services.campaign_approve(campaign=campaign, by=liaison)
    make_due(campaign)
    post = services.scheduled_post_publish(post_id=campaign.posts.get().pk)
    assert post.status == Status.OUTBOX
    done = services.scheduled_post_record_link(
        post=post, by=coordinator, url="https://mastodon.example/@vost/1"
    )
    assert done.status == Status.PUBLISHED
    assert done.published_by == coordinator
    with pytest.raises(ConflictError):
        services.scheduled_post_record_link(
            post=post, by=coordinator, url="https://mastodon.example/@vost/2"
        )
    with pytest.raises(DomainError):
        services.scheduled_post_record_link(post=post, by=coordinator, url="ftp://x")


def test_no_approval_needed_schedules_at_once(activation, make_campaign):
    activation.agreement.relay_needs_approval = False
    activation.agreement.save()
    campaign = make_campaign()
    assert campaign.posts.get().status == Status.SCHEDULED
    assert campaign.may_publish


def test_approval_rules(make_campaign, liaison, coordinator, activation):
    campaign = make_campaign()
    with pytest.raises(services.NotAllowed):
        services.campaign_approve(campaign=campaign, by=coordinator)
    with pytest.raises(services.NotAllowed):
        services.campaign_approve(campaign=campaign, by=UserFactory())
    services.campaign_approve(campaign=campaign, by=liaison)
    with pytest.raises(ConflictError):
        services.campaign_approve(campaign=campaign, by=liaison)
    services.campaign_withdraw_approval(campaign=campaign, by=liaison)
    with pytest.raises(ConflictError):
        services.campaign_withdraw_approval(campaign=campaign, by=liaison)
    services.campaign_cancel(campaign=campaign, by=coordinator)
    with pytest.raises(DomainError):
        services.campaign_approve(campaign=campaign, by=liaison)
    assert set(campaign.posts.values_list("status", flat=True)) == {Status.CANCELLED}


def test_the_same_message_channel_and_time_is_scheduled_once(make_campaign):
    moment = soon()
    make_campaign(times=[moment])
    before = Campaign.objects.count()
    with pytest.raises(ConflictError):
        make_campaign(times=[moment], title="Again")
    assert Campaign.objects.count() == before
    assert ScheduledPost.objects.count() == 1


def test_the_database_refuses_a_duplicate_slot(make_campaign):
    campaign = make_campaign()
    post = campaign.posts.get()
    with pytest.raises(IntegrityError):
        ScheduledPost.objects.create(
            campaign=campaign,
            message=post.message,
            channel=post.channel,
            scheduled_at=post.scheduled_at,
            text="x",
            language="fr",
            idempotency_key="other",
        )


def test_bad_campaigns_are_refused(activation, coordinator, make_campaign, flood_fr):
    long = services.prevention_message_create(
        team=activation.lead_team,
        by=coordinator,
        risk="storm",
        language="en",
        title="Long",
        text="a" * 290,
    )
    services.prevention_message_approve(message=long, by=coordinator)
    with pytest.raises(DomainError, match="too long for X"):
        make_campaign(messages=[long], channels=["x"])
    make_campaign(messages=[long], channels=["mastodon"])  # fits Mastodon's 500
    draft = services.prevention_message_create(
        team=activation.lead_team,
        by=coordinator,
        risk="storm",
        language="fr",
        title="Brouillon",
        text="Tempête",
    )
    with pytest.raises(DomainError, match="draft"):
        make_campaign(messages=[draft])
    with pytest.raises(DomainError, match="future"):
        make_campaign(times=[soon(-5)])
    with pytest.raises(DomainError):
        make_campaign(channels=["myspace"])
    with pytest.raises(ConflictError):
        services.prevention_message_approve(message=flood_fr, by=coordinator)
    with pytest.raises(DomainError):
        services.prevention_message_create(
            team=activation.lead_team,
            by=coordinator,
            risk="flood",
            language="fr",
            title="Lien",
            text="Texte",
            link="javascript:alert(1)",
        )


def test_a_transient_failure_is_retried_with_the_same_key(make_campaign, liaison, fake):
    campaign = make_campaign()
    services.campaign_approve(campaign=campaign, by=liaison)
    make_due(campaign)
    post = campaign.posts.get()
    fake.plan.append("500")
    assert services.scheduled_post_publish(post_id=post.pk).status == Status.SCHEDULED
    done = services.scheduled_post_publish(post_id=post.pk)
    assert done.status == Status.PUBLISHED
    assert done.attempts == 2
    keys = {w.headers.get("Idempotency-Key") for w in fake.writes()}
    assert keys == {post.idempotency_key}
    assert fake.posts_made == 1
