"""Admin for the monitoring models: sources editable, ingested data read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from monitoring.models import (
    ClassifierState,
    Cluster,
    Escalation,
    IngestBatch,
    Place,
    Post,
    Rejection,
    Source,
    TriageDecision,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Ingested evidence is changed by the pipeline only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin[Source]):
    list_display = (
        "name",
        "activation",
        "platform",
        "is_enabled",
        "last_success_at",
        "consecutive_failures",
    )
    list_filter = ("platform", "is_enabled")
    search_fields = ("name",)
    readonly_fields = (
        "cursor",
        "last_success_at",
        "last_error_at",
        "last_error",
        "consecutive_failures",
        "next_attempt_at",
        "paused_reason",
        "usage_month",
        "usage_count",
    )


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = (
        "posted_at",
        "activation",
        "platform",
        "author_handle",
        "lang",
        "category",
        "priority",
    )
    list_filter = ("platform", "category", "lang", "is_official")
    search_fields = ("external_id", "author_handle", "text")
    exclude = ("minhash",)
    list_select_related = ("activation",)


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "activation",
        "size",
        "category",
        "priority",
        "status",
        "decision",
        "claimed_by",
        "last_seen_at",
    )
    list_filter = ("status", "category", "decision")


@admin.register(IngestBatch)
class IngestBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "finished_at",
        "activation",
        "source",
        "received",
        "inserted",
        "duplicates",
        "rejected",
    )


@admin.register(Rejection)
class RejectionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "activation", "source", "platform", "reason")
    list_filter = ("platform",)


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    list_display = ("name", "department", "population", "source", "code")
    list_filter = ("source", "department")
    search_fields = ("name", "normalized", "code")


@admin.register(ClassifierState)
class ClassifierStateAdmin(ReadOnlyAdmin):
    list_display = ("activation", "updates", "updated_at")
    exclude = ("arrays",)


@admin.register(TriageDecision)
class TriageDecisionAdmin(ReadOnlyAdmin):
    """Decisions are the team's record: read-only here (undo is in the workspace)."""

    list_display = (
        "created_at",
        "activation",
        "cluster",
        "user",
        "kind",
        "category",
        "bulk",
        "undone_at",
    )
    list_filter = ("kind", "bulk")
    raw_id_fields = ("cluster",)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "activation",
        "summary",
        "status",
        "raised_by",
        "acknowledged_by",
        "acknowledged_at",
        "notifications_sent",
    )
    list_filter = ("status",)
    raw_id_fields = ("cluster", "decision")
