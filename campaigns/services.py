"""Every write of the prevention campaigns: library messages, campaigns, the
authority's approval (and its withdrawal), scheduled publication through the
relay's platform clients or its outbox, and the record of what went out where.

Callers have checked access (campaigns.permissions); the functions enforce the
domain rules and raise DomainError (400) or ConflictError (409). A post goes out
at most once: one row per (message, channel, time) (a unique constraint) and a
state machine (awaiting_approval, scheduled, publishing, published | outbox |
failed, cancelled) whose transitions happen under a row lock. The campaign row
is locked first, then the post: a withdrawal and a send cannot cross, and the
approval is checked again at send time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Agreement, Organisation, OrganisationMember
from campaigns.models import (
    Campaign,
    Language,
    PreventionMessage,
    Risk,
    ScheduledPost,
)
from campaigns.permissions import can_approve
from relay import drafting
from relay.models import CHANNEL_LIMITS, Channel
from relay.publishers import (
    PermanentPublishError,
    Published,
    TransientPublishError,
    new_tid,
    publisher_for,
)
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Status = ScheduledPost.Status
MAX_TEXT = max(CHANNEL_LIMITS.values())
MAX_TIMES = 50
MAX_ATTEMPTS = 5
# A worker holds a post this long while it calls the platform; past it, the
# next run looks the post up with the same key before trying again.
IN_FLIGHT_LEASE = dt.timedelta(minutes=2)
CANCELLABLE = frozenset(
    {Status.AWAITING_APPROVAL, Status.SCHEDULED, Status.OUTBOX, Status.FAILED}
)


class NotAllowed(DomainError):
    code = "permission_denied"
    status_code = 403


# --- helpers -----------------------------------------------------------------------
def _channel_label(channel: str) -> str:
    return str(Channel(channel).label)


def _people(organisation_id: int, role: str) -> list[User]:
    return [
        member.user
        for member in OrganisationMember.objects.filter(
            organisation_id=organisation_id, role=role, user__is_active=True
        ).select_related("user")
    ]


def _campaign_url(campaign: Campaign) -> str:
    return reverse("campaigns:campaign-detail", args=[campaign.pk])


def _locked_campaign(campaign: Campaign) -> Campaign:
    return (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("team", "agreement__authority")
        .get(pk=campaign.pk)
    )


def _clean_link(url: str) -> str:
    url = url.strip()
    if url and (not url.lower().startswith(("http://", "https://")) or len(url) > 500):
        raise DomainError(
            _("The link must be an http or https address (at most 500 characters)."),
            code="invalid_link",
        )
    return url


def channel_fit(text: str) -> list[tuple[str, int, int, bool]]:
    """(channel label, length as the platform counts it, limit, fits) per channel."""
    rows = []
    for channel in Channel:
        length = drafting.weighted_length(text, channel)
        limit = CHANNEL_LIMITS[channel]
        rows.append((str(channel.label), length, limit, length <= limit))
    return rows


# --- library -----------------------------------------------------------------------
@transaction.atomic
def prevention_message_create(
    *,
    team: Organisation,
    by: User,
    risk: str,
    language: str,
    title: str,
    text: str,
    link: str = "",
) -> PreventionMessage:
    """A draft message in the team's library."""
    if not team.is_vost_team:
        raise DomainError(_("Only a VOST team has a message library."))
    message = PreventionMessage(team=team, created_by=by)
    _message_fill(
        message, risk=risk, language=language, title=title, text=text, link=link
    )
    message.save()
    return message


def _message_fill(
    message: PreventionMessage,
    *,
    risk: str,
    language: str,
    title: str,
    text: str,
    link: str,
) -> None:
    """Check and set a library message's fields (creation and edit share the rules)."""
    text, title = text.strip(), title.strip()
    if not title or not text:
        raise DomainError(_("Give the message a title and a text."), code="empty")
    if risk not in Risk.values:
        raise DomainError(_("Unknown risk."), code="invalid_risk")
    if language not in Language.values:
        raise DomainError(_("The language must be French or English."))
    message.risk, message.language = risk, language
    message.title, message.text, message.link = title[:120], text, _clean_link(link)
    if len(message.full_text) > MAX_TEXT:
        raise DomainError(
            _("A message with its link is at most %(limit)s characters.")
            % {"limit": MAX_TEXT},
            code="too_long",
        )
    message.full_clean()


@transaction.atomic
def prevention_message_update(
    *,
    message: PreventionMessage,
    by: User,
    risk: str,
    language: str,
    title: str,
    text: str,
    link: str = "",
) -> PreventionMessage:
    """Edit a message of the team's library. An approved message goes back to draft
    (it must be approved again before new campaigns use it); campaigns already
    scheduled keep the text they copied."""
    current = PreventionMessage.objects.select_for_update().get(pk=message.pk)
    if current.team is None:
        raise DomainError(_("The shared library is read-only."), code="shared")
    _message_fill(
        current, risk=risk, language=language, title=title, text=text, link=link
    )
    current.status = PreventionMessage.Status.DRAFT
    current.save()
    logger.info("prevention message %s edited by %s", current.pk, by.pk)
    return current


@transaction.atomic
def prevention_message_approve(
    *, message: PreventionMessage, by: User
) -> PreventionMessage:
    """The team marks a draft as ready to be scheduled."""
    current = PreventionMessage.objects.select_for_update().get(pk=message.pk)
    if current.status == PreventionMessage.Status.APPROVED:
        raise ConflictError(_("This message is already approved."), code="approved")
    current.status = PreventionMessage.Status.APPROVED
    current.save(update_fields=["status", "updated_at"])
    return current


# --- campaigns -----------------------------------------------------------------------
@transaction.atomic
def campaign_create(
    *,
    team: Organisation,
    agreement: Agreement,
    by: User,
    title: str,
    messages: Sequence[PreventionMessage],
    channels: Iterable[str],
    times: Iterable[dt.datetime],
) -> Campaign:
    """A campaign and its scheduled posts (every message on every channel at every
    time). Under an agreement that asks for the authority's approval, the posts
    wait for it and the authority's liaisons are told."""
    title = title.strip()
    # their current state, not the caller's copies
    messages = list(
        PreventionMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk")
    )
    channels = sorted(set(channels))
    times = sorted(set(times))
    now = timezone.now()
    if not title:
        raise DomainError(_("Give the campaign a title."), code="empty")
    if agreement.vost_team_id != team.pk:
        raise DomainError(_("This agreement is not one of the team's."))
    if not agreement.is_in_force():
        raise DomainError(_("The agreement is not in force."), code="agreement")
    if not messages:
        raise DomainError(_("Choose at least one message."), code="no_message")
    if not channels or any(c not in Channel.values for c in channels):
        raise DomainError(_("Choose at least one known channel."), code="no_channel")
    if not times:
        raise DomainError(_("Give at least one publication time."), code="no_time")
    if len(times) > MAX_TIMES:
        raise DomainError(
            _("At most %(limit)s publication times.") % {"limit": MAX_TIMES}
        )
    if any(moment <= now for moment in times):
        raise DomainError(
            _("Publication times must be in the future."), code="past_time"
        )
    for message in messages:
        if message.team_id not in (None, team.pk):
            raise DomainError(_("A message is not in the team's library."))
        if message.status != PreventionMessage.Status.APPROVED:
            raise DomainError(
                _("“%(title)s” is a draft: approve it in the library first.")
                % {"title": message.title},
                code="draft_message",
            )
        for channel in channels:
            length = drafting.weighted_length(message.full_text, channel)
            if length > CHANNEL_LIMITS[channel]:
                raise DomainError(
                    _(
                        "“%(title)s” is too long for %(channel)s: %(length)s "
                        "characters, %(limit)s allowed."
                    )
                    % {
                        "title": message.title,
                        "channel": _channel_label(channel),
                        "length": length,
                        "limit": CHANNEL_LIMITS[channel],
                    },
                    code="too_long",
                )
    needs_approval = bool(agreement.relay_needs_approval)
    campaign = Campaign.objects.create(
        team=team,
        agreement=agreement,
        title=title[:200],
        channels=channels,
        needs_approval=needs_approval,
        created_by=by,
    )
    campaign.messages.set(messages)
    status = Status.AWAITING_APPROVAL if needs_approval else Status.SCHEDULED
    try:
        with transaction.atomic():
            ScheduledPost.objects.bulk_create(
                [
                    ScheduledPost(
                        campaign=campaign,
                        message=message,
                        channel=channel,
                        scheduled_at=moment,
                        text=message.full_text,
                        language=message.language,
                        status=status,
                        idempotency_key=new_tid(),
                    )
                    for message in messages
                    for channel in channels
                    for moment in times
                ]
            )
    except IntegrityError:
        raise ConflictError(
            _(
                "One of these messages is already scheduled on the same channel "
                "at the same time."
            ),
            code="already_scheduled",
        ) from None
    if needs_approval:
        notify_translated(
            users=_people(agreement.authority_id, OrganisationMember.Role.LIAISON),
            texts=lambda: (
                _("Prevention campaign to approve: %(title)s") % {"title": title},
                _("%(team)s asks your approval before publishing.")
                % {"team": str(team)},
            ),
            kind="campaign_approval",
            url=_campaign_url(campaign),
            level="action",
            email=True,
        )
    logger.info("campaign %s created by %s", campaign.pk, by.pk)
    return campaign


@transaction.atomic
def campaign_approve(*, campaign: Campaign, by: User) -> Campaign:
    """The authority's liaison approves the campaign: its posts are scheduled."""
    current = _locked_campaign(campaign)
    if not can_approve(by, current):
        raise NotAllowed(_("Only a liaison of the authority can approve."))
    if current.cancelled_at is not None:
        raise DomainError(_("This campaign was cancelled."), code="cancelled")
    if not current.needs_approval:
        raise DomainError(
            _("The agreement does not require the authority's approval."),
            code="approval_not_required",
        )
    if current.approved_at is not None:
        raise ConflictError(
            _("Already approved by %(who)s.")
            % {"who": current.approved_by.display_name if current.approved_by else ""},
            code="already_approved",
        )
    current.approved_by = by
    current.approved_at = timezone.now()
    current.save(update_fields=["approved_by", "approved_at", "updated_at"])
    current.posts.filter(status=Status.AWAITING_APPROVAL).update(
        status=Status.SCHEDULED, updated_at=timezone.now()
    )
    title = current.title
    notify_translated(
        users=_people(current.team_id, OrganisationMember.Role.COORDINATOR),
        texts=lambda: (
            _("Campaign approved: %(title)s") % {"title": title},
            _("Approved by %(who)s: its posts will be published as scheduled.")
            % {"who": by.display_name},
        ),
        kind="campaign_approved",
        url=_campaign_url(current),
    )
    return current


@transaction.atomic
def campaign_withdraw_approval(*, campaign: Campaign, by: User) -> int:
    """The liaison withdraws the approval: no post that has not gone out yet will
    be sent. Returns how many posts are held back."""
    current = _locked_campaign(campaign)
    if not can_approve(by, current):
        raise NotAllowed(_("Only a liaison of the authority can withdraw approval."))
    if current.approved_at is None:
        raise ConflictError(
            _("This campaign is not approved: there is nothing to withdraw."),
            code="not_approved",
        )
    current.approved_by = None
    current.approved_at = None
    current.withdrawn_by = by
    current.withdrawn_at = timezone.now()
    current.save(
        update_fields=[
            "approved_by",
            "approved_at",
            "withdrawn_by",
            "withdrawn_at",
            "updated_at",
        ]
    )
    held = current.posts.filter(status__in=[Status.SCHEDULED, Status.OUTBOX]).update(
        status=Status.AWAITING_APPROVAL, updated_at=timezone.now()
    )
    title = current.title
    notify_translated(
        users=_people(current.team_id, OrganisationMember.Role.COORDINATOR),
        texts=lambda: (
            _("Approval withdrawn: %(title)s") % {"title": title},
            _("%(who)s withdrew the approval; %(count)s posts will not be sent.")
            % {"who": by.display_name, "count": held},
        ),
        kind="campaign_withdrawn",
        url=_campaign_url(current),
        level="action",
        email=True,
    )
    logger.info("campaign %s: approval withdrawn, %s posts held", current.pk, held)
    return held


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, by: User) -> Campaign:
    current = _locked_campaign(campaign)
    if current.cancelled_at is not None:
        raise ConflictError(_("This campaign is already cancelled."), code="cancelled")
    current.cancelled_at = timezone.now()
    current.save(update_fields=["cancelled_at", "updated_at"])
    current.posts.filter(status__in=CANCELLABLE).update(
        status=Status.CANCELLED, updated_at=timezone.now()
    )
    return current


# --- publishing ------------------------------------------------------------------------
def scheduled_posts_due(*, now: dt.datetime | None = None) -> list[int]:
    """Posts to publish now: scheduled and due, or stuck mid-call past the lease."""
    now = now or timezone.now()
    due = ScheduledPost.objects.filter(
        status=Status.SCHEDULED, scheduled_at__lte=now
    ) | ScheduledPost.objects.filter(
        status=Status.PUBLISHING, last_attempt_at__lt=now - IN_FLIGHT_LEASE
    )
    return list(due.order_by("scheduled_at").values_list("pk", flat=True)[:200])


def scheduled_post_publish(
    *, post_id: int, now: dt.datetime | None = None
) -> ScheduledPost | None:
    """Publish one due post, at most once.

    1. Under the campaign's and the post's locks: check the post is still due and
       the campaign may publish (approval not withdrawn, not cancelled); then
       claim it ("publishing", committed) or put it in the outbox.
    2. Call the platform outside any transaction, with the post's own key (a
       retry first looks for the post that key made).
    3. Record the answer.
    """
    now = now or timezone.now()
    with transaction.atomic():
        campaign_id = (
            ScheduledPost.objects.filter(pk=post_id)
            .values_list("campaign_id", flat=True)
            .first()
        )
        if campaign_id is None:
            return None
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        post = ScheduledPost.objects.select_for_update().get(pk=post_id)
        stuck = (
            post.status == Status.PUBLISHING
            and post.last_attempt_at is not None
            and now - post.last_attempt_at >= IN_FLIGHT_LEASE
        )
        if (post.status != Status.SCHEDULED and not stuck) or post.scheduled_at > now:
            logger.info("campaign post %s: nothing to publish", post_id)
            return post
        if not campaign.may_publish:
            post.status = (
                Status.CANCELLED
                if campaign.cancelled_at is not None
                else Status.AWAITING_APPROVAL
            )
            post.save(update_fields=["status", "updated_at"])
            logger.warning(
                "campaign post %s held back: approval withdrawn or cancelled", post_id
            )
            return post
        publisher = publisher_for(post.channel)
        post.account = publisher.account()[:200]
        if publisher.manual:
            post.status = Status.OUTBOX
            post.save(update_fields=["status", "account", "updated_at"])
            return post
        post.status = Status.PUBLISHING
        post.attempts += 1
        post.last_attempt_at = now
        post.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "account",
                "updated_at",
            ]
        )
    try:
        result = None
        if post.attempts > 1:
            result = publisher.find_existing(key=post.idempotency_key)
        if result is None:
            result = publisher.publish(
                text=post.text, key=post.idempotency_key, language=post.language
            )
    except TransientPublishError as exc:
        logger.warning("campaign post %s: %s", post_id, exc.detail)
        again = post.attempts < MAX_ATTEMPTS
        return _finish(
            post_id,
            status=Status.SCHEDULED if again else Status.FAILED,
            error=exc.detail,
        )
    except PermanentPublishError as exc:
        logger.warning("campaign post %s refused: %s", post_id, exc.detail)
        return _finish(
            post_id,
            status=Status.FAILED,
            error=_("%(channel)s refused the post: %(detail)s")
            % {"channel": _channel_label(post.channel), "detail": exc.detail},
        )
    return _finish(post_id, status=Status.PUBLISHED, error="", result=result)


@transaction.atomic
def _finish(
    post_id: int, *, status: str, error: str, result: Published | None = None
) -> ScheduledPost:
    post = ScheduledPost.objects.select_for_update().get(pk=post_id)
    if post.status != Status.PUBLISHING:
        return post
    post.status = status
    post.last_error = error[:500]
    if result is not None:
        post.external_id = result.external_id[:200]
        post.published_url = result.url[:1000]
        post.published_at = timezone.now()
    post.save(
        update_fields=[
            "status",
            "last_error",
            "external_id",
            "published_url",
            "published_at",
            "updated_at",
        ]
    )
    if status == Status.PUBLISHED:
        logger.info(
            "campaign post %s published on %s: %s",
            post_id,
            post.channel,
            post.published_url,
        )
    return post


@transaction.atomic
def scheduled_post_record_link(
    *, post: ScheduledPost, by: User, url: str
) -> ScheduledPost:
    """Record the link of a post published by hand from the outbox."""
    url = _clean_link(url)
    if not url:
        raise DomainError(
            _("Give the link to the published post."), code="invalid_link"
        )
    Campaign.objects.select_for_update().get(pk=post.campaign_id)
    current = ScheduledPost.objects.select_for_update().get(pk=post.pk)
    if current.status == Status.PUBLISHED:
        raise ConflictError(
            _("Already recorded as published: %(link)s")
            % {"link": current.published_url},
            code="already_published",
        )
    if current.status not in {Status.OUTBOX, Status.FAILED}:
        raise DomainError(
            _("Only a post in the outbox or a failed one can be recorded by hand."),
            code="not_outbox",
        )
    current.status = Status.PUBLISHED
    current.published_url = url
    current.published_at = timezone.now()
    current.published_by = by
    current.last_error = ""
    current.save(
        update_fields=[
            "status",
            "published_url",
            "published_at",
            "published_by",
            "last_error",
            "updated_at",
        ]
    )
    return current
