"""Reads of the relay, always scoped to one activation (access already checked)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from activations.models import Activation
from relay.models import (
    CHANNEL_LIMITS,
    AuthorityAccount,
    Channel,
    OfficialMessage,
    RelayChannel,
    RelayTask,
)
from relay.publishers import publisher_for


@dataclass(frozen=True)
class ChannelState:
    channel: str
    label: str
    enabled: bool
    hashtags: str
    mode: str  # "direct" (credentials set), "outbox" or "off"
    account: str
    limit: int


def message_list(*, activation: Activation) -> QuerySet[OfficialMessage]:
    """The activation's official messages, latest first, with their tasks."""
    return (
        OfficialMessage.objects.filter(activation=activation)
        .select_related("created_by", "source_post")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=RelayTask.objects.select_related(
                    "approved_by", "publish_requested_by"
                ).order_by("channel"),
            )
        )
    )


def message_get(*, activation: Activation, message_id: int) -> OfficialMessage | None:
    return message_list(activation=activation).filter(pk=message_id).first()


def task_list(
    *, activation: Activation, status: str | None = None
) -> QuerySet[RelayTask]:
    tasks = RelayTask.objects.filter(message__activation=activation).select_related(
        "message", "approved_by", "publish_requested_by", "published_by"
    )
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("-message__created_at", "channel")


def task_get(*, activation: Activation, task_id: int) -> RelayTask | None:
    return task_list(activation=activation).filter(pk=task_id).first()


def channel_states(*, activation: Activation) -> list[ChannelState]:
    """Each platform, whether the activation relays to it and how (direct or outbox)."""
    configured = {
        config.channel: config
        for config in RelayChannel.objects.filter(activation=activation)
    }
    states = []
    for channel in Channel:
        config = configured.get(channel.value)
        enabled = config is not None and config.enabled
        publisher = publisher_for(channel.value)
        mode = "off" if not enabled else ("outbox" if publisher.manual else "direct")
        states.append(
            ChannelState(
                channel=channel.value,
                label=str(channel.label),
                enabled=enabled,
                hashtags=config.hashtags if config else "",
                mode=mode,
                account=publisher.account(),
                limit=CHANNEL_LIMITS[channel.value],
            )
        )
    return states


def authority_handles(*, activation: Activation) -> list[str]:
    return list(
        AuthorityAccount.objects.filter(activation=activation).values_list(
            "handle", flat=True
        )
    )
