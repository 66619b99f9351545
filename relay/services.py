"""Every write of the relay: official messages, drafts per channel, the
authority's approval, publishing (through the platform or the outbox), links.

Callers have already checked access (``activation_get_for_user`` with the
action); the functions enforce the domain rules and raise ``DomainError`` (400)
or ``ConflictError`` (409: already done, naming who and when). A refused change
leaves nothing behind. A message is relayed at most once per channel: one task
per (message, channel) (a unique constraint), and a task's state machine
(draft, awaiting_approval, approved, publishing, published | outbox | failed,
cancelled) that a double submission or a task retry cannot run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry
from activations.permissions import Action, activation_role, role_allows
from activations.services._common import log
from monitoring.models import Platform, Post
from relay import drafting
from relay.models import (
    CHANNEL_LIMITS,
    AuthorityAccount,
    Channel,
    OfficialMessage,
    RelayChannel,
    RelayTask,
)
from relay.publishers import (
    PermanentPublishError,
    Published,
    TransientPublishError,
    new_tid,
    publisher_for,
)
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Role = ActivationMember.Role
Status = RelayTask.Status
MAX_TEXT = 5000
MAX_HANDLES = 50
# A worker holds a task this long while it calls the platform (at most three
# calls of connect 5 s + read 20 s); past it, another attempt may take over.
IN_FLIGHT_LEASE = dt.timedelta(minutes=2)
# Intake: CAP and authority posts received this long ago at most become messages.
COLLECT_WINDOW = dt.timedelta(hours=24)
EDITABLE = frozenset({Status.DRAFT, Status.FAILED})
CANCELLABLE = frozenset(
    {
        Status.DRAFT,
        Status.AWAITING_APPROVAL,
        Status.APPROVED,
        Status.OUTBOX,
        Status.FAILED,
    }
)


class NotAllowed(DomainError):
    code = "permission_denied"
    status_code = 403


# --- helpers -------------------------------------------------------------------------
def _when(activation: Activation, moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment, activation.tz)
    return (
        f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} ({activation.timezone})"
    )


def _name(user: User | None) -> str:
    return user.display_name if user is not None else _("the system")


def _channel_label(channel: str) -> str:
    return str(Channel(channel).label)


def _locked(task: RelayTask) -> RelayTask:
    return (
        RelayTask.objects.select_for_update(of=("self",))
        .select_related(
            "message__activation__agreement",
            "message__activation__authority",
            "approved_by",
            "publish_requested_by",
            "published_by",
        )
        .get(pk=task.pk)
    )


def _members(activation: Activation, *roles: str) -> list[User]:
    return [
        member.user
        for member in ActivationMember.objects.filter(
            activation=activation, role__in=roles, user__is_active=True
        ).select_related("user")
    ]


def _message_url(message: OfficialMessage) -> str:
    return reverse("relay:message-detail", args=[message.activation.slug, message.pk])


def _clean_url(url: str) -> str:
    url = url.strip()
    if url and (not url.lower().startswith(("http://", "https://")) or len(url) > 500):
        raise DomainError(
            _("The link must be an http or https address (at most 500 characters)."),
            code="invalid_link",
        )
    return url


def needs_approval(activation: Activation) -> bool:
    return bool(activation.agreement.relay_needs_approval)


def _refresh_message(message: OfficialMessage) -> None:
    """The message's status from its tasks."""
    if message.status == OfficialMessage.Status.CANCELLED:
        return
    statuses = set(
        RelayTask.objects.filter(message=message).values_list("status", flat=True)
    )
    if not statuses:
        new = OfficialMessage.Status.RECEIVED
    elif Status.PUBLISHED in statuses and statuses <= {
        Status.PUBLISHED,
        Status.CANCELLED,
    }:
        new = OfficialMessage.Status.RELAYED
    else:
        new = OfficialMessage.Status.DRAFTED
    if new != message.status:
        OfficialMessage.objects.filter(pk=message.pk).update(
            status=new, updated_at=timezone.now()
        )
        message.status = new


# --- channels and authority accounts ----------------------------------------------------
def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


@transaction.atomic
def relay_settings_save(
    *,
    activation: Activation,
    by: User,
    channels: dict[str, tuple[bool, str]],
    handles: Iterable[str],
) -> None:
    """Which channels the activation relays to (with their hashtags), and the
    authority's accounts whose ingested posts become official messages."""
    wanted = sorted({normalise_handle(h) for h in handles if normalise_handle(h)})
    if len(wanted) > MAX_HANDLES:
        raise DomainError(
            _("At most %(limit)s accounts.") % {"limit": MAX_HANDLES},
            code="too_many_accounts",
        )
    if any(len(handle) > 200 or " " in handle for handle in wanted):
        raise DomainError(_("An account is a handle without spaces."))
    for channel, (enabled, hashtags) in channels.items():
        if channel not in Channel.values:
            raise DomainError(
                _("Unknown channel “%(channel)s”.") % {"channel": channel}
            )
        if len(hashtags) > 200:
            raise DomainError(_("Hashtags are at most 200 characters."))
        RelayChannel.objects.update_or_create(
            activation=activation,
            channel=channel,
            defaults={"enabled": enabled, "hashtags": " ".join(hashtags.split())},
        )
    AuthorityAccount.objects.filter(activation=activation).exclude(
        handle__in=wanted
    ).delete()
    AuthorityAccount.objects.bulk_create(
        [AuthorityAccount(activation=activation, handle=h) for h in wanted],
        ignore_conflicts=True,
    )
    enabled_labels = [
        _channel_label(c) for c, (on, _tags) in sorted(channels.items()) if on
    ]
    log(
        activation=activation,
        author=by,
        text=_("Relay channels: %(channels)s.")
        % {"channels": ", ".join(enabled_labels) or _("none")},
    )


def enabled_channels(activation: Activation) -> list[RelayChannel]:
    return list(RelayChannel.objects.filter(activation=activation, enabled=True))


# --- official messages -------------------------------------------------------------------
def _create_tasks(
    message: OfficialMessage, channels: list[RelayChannel]
) -> list[RelayTask]:
    """The missing drafts of `message` for `channels` (existing ones are kept)."""
    activation = message.activation
    created = []
    for config in channels:
        if RelayTask.objects.filter(message=message, channel=config.channel).exists():
            continue
        task = RelayTask(
            message=message,
            channel=config.channel,
            text=drafting.draft_text(
                channel=config.channel,
                text=message.text,
                url=message.url,
                authority=activation.authority.short_name or activation.authority.name,
                hashtags=config.hashtags,
                language=message.language,
            ),
            idempotency_key=new_tid(),
        )
        try:
            with transaction.atomic():  # savepoint: a concurrent draft wins
                task.save()
        except IntegrityError:
            continue
        created.append(task)
    _refresh_message(message)
    return created


@transaction.atomic
def official_message_create(
    *,
    activation: Activation,
    by: User | None,
    text: str,
    url: str = "",
    language: str = OfficialMessage.Language.FR,
    origin: str = OfficialMessage.Origin.LIAISON,
    source_post: Post | None = None,
) -> OfficialMessage:
    """Record an official message; drafts are prepared at once for the channels
    the activation relays to (none configured: it waits, nothing is drafted)."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write the official message."), code="empty")
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("The message is at most %(limit)s characters.") % {"limit": MAX_TEXT}
        )
    if language not in OfficialMessage.Language.values:
        raise DomainError(_("The language must be French or English."))
    message = OfficialMessage.objects.create(
        activation=activation,
        origin=origin,
        source_post=source_post,
        text=text,
        url=_clean_url(url),
        language=language,
        created_by=by,
    )
    _create_tasks(message, enabled_channels(activation))
    log(
        activation=activation,
        author=by,
        text=_("Official message M%(id)s recorded (%(origin)s) for relay.")
        % {"id": message.pk, "origin": message.get_origin_display()},
    )
    return message


def official_message_from_post(*, post: Post) -> OfficialMessage:
    """The official message of an ingested CAP alert or authority post (created
    once: the unique (activation, source_post) constraint has the last word)."""
    existing = OfficialMessage.objects.filter(
        activation_id=post.activation_id, source_post=post
    ).first()
    if existing is not None:
        return existing
    activation = Activation.objects.select_related("authority", "agreement").get(
        pk=post.activation_id
    )
    language = post.lang[:2] if post.lang[:2] in ("fr", "en") else "fr"
    origin = (
        OfficialMessage.Origin.CAP
        if post.platform == Platform.CAP
        else OfficialMessage.Origin.AUTHORITY_ACCOUNT
    )
    url = post.url if post.url.lower().startswith(("http://", "https://")) else ""
    try:
        return official_message_create(
            activation=activation,
            by=None,
            text=post.text[:MAX_TEXT] or str(post),
            url=url[:500],
            language=language,
            origin=origin,
            source_post=post,
        )
    except IntegrityError:  # another worker recorded it meanwhile
        return OfficialMessage.objects.get(activation=activation, source_post=post)


def official_messages_collect(*, activation: Activation) -> int:
    """Turn the activation's recent CAP alerts and posts of the authority's
    accounts into official messages; safe to repeat. Returns how many are new."""
    handles = list(
        AuthorityAccount.objects.filter(activation=activation).values_list(
            "handle", flat=True
        )
    )
    wanted = Q(platform=Platform.CAP)
    for handle in handles:
        wanted |= Q(author_handle__iexact=handle) | Q(
            author_handle__iexact=f"@{handle}"
        )
    since = max(
        activation.activated_at or timezone.now(), timezone.now() - COLLECT_WINDOW
    )
    done = OfficialMessage.objects.filter(
        activation=activation, source_post__isnull=False
    ).values("source_post_id")
    posts = (
        Post.objects.filter(activation=activation, received_at__gte=since)
        .filter(wanted)
        .exclude(pk__in=done)
        .exclude(platform=Platform.REPLAY)
        .order_by("received_at")[:200]
    )
    new = 0
    for post in posts:
        official_message_from_post(post=post)
        new += 1
    return new


@transaction.atomic
def relay_drafts_prepare(*, message: OfficialMessage, by: User) -> list[RelayTask]:
    """Drafts for the channels added since the message came in."""
    message = (
        OfficialMessage.objects.select_for_update()
        .select_related("activation__authority")
        .get(pk=message.pk)
    )
    if message.status == OfficialMessage.Status.CANCELLED:
        raise DomainError(_("This message was cancelled."), code="cancelled")
    channels = enabled_channels(message.activation)
    if not channels:
        raise DomainError(
            _(
                "No relay channel is configured for this activation: a team lead "
                "chooses them in the relay settings."
            ),
            code="no_channel",
        )
    return _create_tasks(message, channels)


# --- drafts and approval --------------------------------------------------------------------
@transaction.atomic
def relay_task_edit(*, task: RelayTask, by: User, text: str) -> RelayTask:
    """Change a draft (or a failed post's text); any approval no longer holds."""
    text = text.strip()
    if not text:
        raise DomainError(_("The draft is empty."), code="empty")
    current = _locked(task)
    if current.status not in EDITABLE:
        if current.approved_by_id:
            raise ConflictError(
                _(
                    "This draft was approved by %(who)s at %(when)s: it can no "
                    "longer be changed (cancel it to relay another text)."
                )
                % {
                    "who": _name(current.approved_by),
                    "when": _when(current.message.activation, current.approved_at),
                },
                code="locked",
            )
        raise ConflictError(
            _("A draft that is “%(status)s” cannot be changed.")
            % {"status": current.get_status_display()},
            code="locked",
        )
    length = drafting.weighted_length(text, current.channel)
    if length > current.limit:
        raise DomainError(
            _("%(channel)s allows %(limit)s characters: this draft has %(length)s.")
            % {
                "channel": _channel_label(current.channel),
                "limit": current.limit,
                "length": length,
            },
            code="too_long",
        )
    if text != current.text:
        current.text = text
        current.approved_by = None
        current.approved_at = None
    current.status = Status.DRAFT
    current.last_error = ""
    current.save(
        update_fields=[
            "text",
            "approved_by",
            "approved_at",
            "status",
            "last_error",
            "updated_at",
        ]
    )
    return current


@transaction.atomic
def relay_task_request_approval(*, task: RelayTask, by: User) -> RelayTask:
    """Send the draft to the authority's liaisons (in-app and email)."""
    current = _locked(task)
    activation = current.message.activation
    if current.status == Status.AWAITING_APPROVAL:
        raise ConflictError(
            _("Approval was already requested by %(who)s at %(when)s.")
            % {
                "who": _name(current.approval_requested_by),
                "when": _when(activation, current.approval_requested_at),
            },
            code="already_requested",
        )
    if current.approved_at is not None:
        raise _already_approved(current)
    if current.status != Status.DRAFT:
        raise DomainError(_("Only a draft can be sent for approval."), code="not_draft")
    if not needs_approval(activation):
        raise DomainError(
            _("The agreement does not require the authority's approval: publish it."),
            code="approval_not_required",
        )
    current.status = Status.AWAITING_APPROVAL
    current.approval_requested_by = by
    current.approval_requested_at = timezone.now()
    current.save(
        update_fields=[
            "status",
            "approval_requested_by",
            "approval_requested_at",
            "updated_at",
        ]
    )
    message = current.message
    channel = current.channel
    notify_translated(
        users=_members(activation, Role.LIAISON),
        texts=lambda: (
            _("Official message to approve for %(channel)s")
            % {"channel": _channel_label(channel)},
            current.text,
        ),
        kind="relay_approval",
        url=_message_url(message),
        activation=activation,
        level="action",
        email=True,
    )
    return current


def _already_approved(current: RelayTask) -> ConflictError:
    return ConflictError(
        _("This draft was already approved by %(who)s at %(when)s.")
        % {
            "who": _name(current.approved_by),
            "when": _when(current.message.activation, current.approved_at),
        },
        code="already_approved",
    )


@transaction.atomic
def relay_task_approve(*, task: RelayTask, by: User) -> RelayTask:
    """The authority's liaison approves the draft, once."""
    current = _locked(task)
    activation = current.message.activation
    if not role_allows(
        activation_role(user=by, activation=activation), Action.APPROVE_RELAY
    ):
        raise NotAllowed(_("Only the authority's liaison can approve a relay."))
    if current.approved_at is not None:
        raise _already_approved(current)
    if current.status != Status.AWAITING_APPROVAL:
        raise DomainError(
            _("This draft is not waiting for approval."), code="not_awaiting"
        )
    current.status = Status.APPROVED
    current.approved_by = by
    current.approved_at = timezone.now()
    current.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    channel, message = current.channel, current.message
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_("Official message M%(id)s: %(channel)s draft approved by %(who)s.")
        % {
            "id": message.pk,
            "channel": _channel_label(channel),
            "who": by.display_name,
        },
    )
    recipients = {u.pk: u for u in _members(activation, Role.TEAM_LEAD)}
    if current.approval_requested_by is not None:
        recipients[current.approval_requested_by.pk] = current.approval_requested_by
    recipients.pop(by.pk, None)
    notify_translated(
        users=recipients.values(),
        texts=lambda: (
            _("Relay approved for %(channel)s: it can be published")
            % {"channel": _channel_label(channel)},
            "",
        ),
        kind="relay_approved",
        url=_message_url(message),
        activation=activation,
        level="action",
    )
    return current


@transaction.atomic
def relay_task_cancel(*, task: RelayTask, by: User) -> RelayTask:
    current = _locked(task)
    if current.status not in CANCELLABLE:
        raise ConflictError(
            _("A post that is “%(status)s” cannot be cancelled.")
            % {"status": current.get_status_display()},
            code="not_cancellable",
        )
    current.status = Status.CANCELLED
    current.save(update_fields=["status", "updated_at"])
    _refresh_message(current.message)
    return current


# --- publishing ------------------------------------------------------------------------------
def _already_publishing(current: RelayTask) -> ConflictError:
    activation = current.message.activation
    if current.status == Status.PUBLISHED:
        return ConflictError(
            _("Already published on %(channel)s at %(when)s: %(link)s")
            % {
                "channel": _channel_label(current.channel),
                "when": _when(activation, current.published_at),
                "link": current.published_url,
            },
            code="already_published",
        )
    return ConflictError(
        _("Publishing on %(channel)s was already requested by %(who)s at %(when)s.")
        % {
            "channel": _channel_label(current.channel),
            "who": _name(current.publish_requested_by),
            "when": _when(activation, current.publish_requested_at),
        },
        code="already_requested",
    )


@transaction.atomic
def relay_task_publish(*, task: RelayTask, by: User) -> RelayTask:
    """Publish the draft: through the platform (a background task, enqueued after
    commit) when the deployment has its credentials, else into the outbox. A
    second request is refused (409): the post goes out once."""
    current = _locked(task)
    activation = current.message.activation
    if current.status in {Status.PUBLISHING, Status.PUBLISHED, Status.OUTBOX}:
        raise _already_publishing(current)
    if current.status == Status.CANCELLED:
        raise DomainError(_("This post was cancelled."), code="cancelled")
    if not RelayChannel.objects.filter(
        activation=activation, channel=current.channel, enabled=True
    ).exists():
        raise DomainError(
            _(
                "%(channel)s is not configured for this activation: no relay "
                "channel to publish to."
            )
            % {"channel": _channel_label(current.channel)},
            code="no_channel",
        )
    if needs_approval(activation) and current.approved_at is None:
        raise DomainError(
            _(
                "The agreement requires the authority's approval before relaying: "
                "request it from the liaison."
            ),
            code="approval_required",
        )
    length = drafting.weighted_length(current.text, current.channel)
    if length > CHANNEL_LIMITS[current.channel]:
        raise DomainError(
            _("%(channel)s allows %(limit)s characters: this draft has %(length)s.")
            % {
                "channel": _channel_label(current.channel),
                "limit": current.limit,
                "length": length,
            },
            code="too_long",
        )
    current.publish_requested_by = by
    current.publish_requested_at = timezone.now()
    current.last_error = ""
    if publisher_for(current.channel).manual:
        current.status = Status.OUTBOX
    else:
        current.status = Status.PUBLISHING
        current.in_flight = False
        task_id = current.pk

        def enqueue() -> None:
            from relay import tasks

            tasks.publish_task.delay(task_id)

        transaction.on_commit(enqueue)
    current.save(
        update_fields=[
            "status",
            "publish_requested_by",
            "publish_requested_at",
            "last_error",
            "in_flight",
            "updated_at",
        ]
    )
    _refresh_message(current.message)
    return current


def relay_publish(*, task_id: int) -> RelayTask | None:
    """The worker's side: publish one task on its platform, at most once.

    1. Claim (row locked, committed): only a task still "publishing", without an
       external id, and not held by another live attempt (IN_FLIGHT_LEASE).
    2. Call the platform outside any transaction. A retry after an attempt whose
       outcome is unknown reuses the same key: Mastodon answers a repeated
       Idempotency-Key with the status it made; Bluesky is first asked for the
       record with our key; X refuses a duplicate (then "failed", to check).
    3. Record the answer. TransientPublishError is re-raised for Celery's retry.
    """
    now = timezone.now()
    with transaction.atomic():
        task = (
            RelayTask.objects.select_for_update(of=("self",))
            .select_related("message")
            .filter(pk=task_id)
            .first()
        )
        if task is None or task.status != Status.PUBLISHING or task.external_id:
            logger.info("relay task %s: nothing to publish", task_id)
            return task
        if (
            task.in_flight
            and task.last_attempt_at is not None
            and now - task.last_attempt_at < IN_FLIGHT_LEASE
        ):
            logger.info("relay task %s: another attempt is under way", task_id)
            return task
        if task.in_flight:
            logger.warning(
                "relay task %s: the previous attempt stopped mid-call", task_id
            )
        task.attempts += 1
        task.in_flight = True
        task.last_attempt_at = now
        task.save(
            update_fields=["attempts", "in_flight", "last_attempt_at", "updated_at"]
        )
    # Committed: if this process dies during the call, the next attempt sees in_flight.
    publisher = publisher_for(task.channel)
    if publisher.manual:  # the credentials were removed meanwhile
        return _finish(task_id, status=Status.OUTBOX, error="")
    try:
        result = None
        if task.attempts > 1:
            result = publisher.find_existing(key=task.idempotency_key)
        if result is None:
            result = publisher.publish(
                text=task.text, key=task.idempotency_key, language=task.message.language
            )
    except TransientPublishError as exc:
        logger.warning("relay task %s: %s", task_id, exc.detail)
        _finish(task_id, status=Status.PUBLISHING, error=exc.detail)
        raise
    except PermanentPublishError as exc:
        logger.warning("relay task %s refused: %s", task_id, exc.detail)
        if exc.duplicate:
            error = _(
                "%(channel)s refused a duplicate: the post is probably already "
                "published. Check the account and record its link."
            ) % {"channel": _channel_label(task.channel)}
        else:
            error = _("%(channel)s refused the post: %(detail)s") % {
                "channel": _channel_label(task.channel),
                "detail": exc.detail,
            }
        return _finish(task_id, status=Status.FAILED, error=error)
    return _finish(task_id, status=Status.PUBLISHED, error="", result=result)


@transaction.atomic
def _finish(
    task_id: int, *, status: str, error: str, result: Published | None = None
) -> RelayTask:
    task = (
        RelayTask.objects.select_for_update(of=("self",))
        .select_related("message__activation", "publish_requested_by")
        .get(pk=task_id)
    )
    if task.status != Status.PUBLISHING:  # cancelled or recorded by hand meanwhile
        logger.info("relay task %s: left as %s", task_id, task.status)
        return task
    task.in_flight = False
    task.status = status
    task.last_error = error[:500]
    if result is not None:
        task.external_id = result.external_id[:200]
        task.published_url = result.url[:1000]
        task.published_at = timezone.now()
    task.save(
        update_fields=[
            "in_flight",
            "status",
            "last_error",
            "external_id",
            "published_url",
            "published_at",
            "updated_at",
        ]
    )
    _refresh_message(task.message)
    activation = task.message.activation
    if status == Status.PUBLISHED:
        log(
            activation=activation,
            text=_("Official message M%(id)s published on %(channel)s: %(link)s")
            % {
                "id": task.message_id,
                "channel": _channel_label(task.channel),
                "link": task.published_url,
            },
        )
    elif status == Status.FAILED and task.publish_requested_by is not None:
        channel, message = task.channel, task.message
        notify_translated(
            users=[task.publish_requested_by],
            texts=lambda: (
                _("Relay on %(channel)s failed") % {"channel": _channel_label(channel)},
                error,
            ),
            kind="relay_failed",
            url=_message_url(message),
            activation=activation,
            level="action",
        )
    return task


def relay_publish_give_up(*, task_id: int, error: str) -> RelayTask:
    """After the last retry: the task fails, saying why (publish again later)."""
    return _finish(
        task_id,
        status=Status.FAILED,
        error=_("The platform kept failing (%(error)s): try again later.")
        % {"error": error},
    )


@transaction.atomic
def relay_task_record_link(*, task: RelayTask, by: User, url: str) -> RelayTask:
    """Record the link of a post published by hand (outbox), or found on the
    account after a failure."""
    url = _clean_url(url)
    if not url:
        raise DomainError(
            _("Give the link to the published post."), code="invalid_link"
        )
    current = _locked(task)
    if current.status == Status.PUBLISHED:
        raise ConflictError(
            _("Already recorded as published by %(who)s at %(when)s: %(link)s")
            % {
                "who": _name(current.published_by),
                "when": _when(current.message.activation, current.published_at),
                "link": current.published_url,
            },
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
    _refresh_message(current.message)
    log(
        activation=current.message.activation,
        author=by,
        text=_("Official message M%(id)s published on %(channel)s by hand: %(link)s")
        % {
            "id": current.message_id,
            "channel": _channel_label(current.channel),
            "link": url,
        },
    )
    return current
