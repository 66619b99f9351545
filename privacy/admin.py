"""Admin: data protection, read-only (changes go through the services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from privacy.models import (
    ComplianceCursor,
    PostErasure,
    ProcessingRecord,
    SubjectRequest,
)


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PostErasure)
class PostErasureAdmin(_ReadOnly):
    list_display = ["post", "activation", "reason", "erased_at"]
    list_filter = ["reason"]


@admin.register(ProcessingRecord)
class ProcessingRecordAdmin(_ReadOnly):
    list_display = ["activation", "version", "updated_at"]


@admin.register(SubjectRequest)
class SubjectRequestAdmin(_ReadOnly):
    list_display = ["organisation", "number", "kind", "platform", "status", "due_at"]
    list_filter = ["status", "kind"]


@admin.register(ComplianceCursor)
class ComplianceCursorAdmin(_ReadOnly):
    list_display = ["key", "last_run_at", "paused_until", "checked_total", "gone_total"]
