"""Admin for verification: cases (evidence and history read-only) and rumours.

Cases change through the services only (four-eyes, full history): the admin shows
them read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from verification.models import Case, CaseEvent, Evidence, Rumour


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EvidenceInline(_ReadOnlyInline):
    model = Evidence
    fields = ("created_at", "kind", "finding", "url", "note", "author")
    readonly_fields = fields


class CaseEventInline(_ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "kind", "user", "text")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    list_display = (
        "number",
        "activation",
        "status",
        "proposed_status",
        "reliability",
        "credibility",
        "assigned_to",
        "updated_at",
    )
    list_filter = ("status",)
    search_fields = ("claim",)
    list_select_related = ("activation", "assigned_to")
    inlines = (EvidenceInline, CaseEventInline)
    fields = (
        "activation",
        "number",
        "claim",
        "category",
        "status",
        "reliability",
        "credibility",
        "location",
        "location_radius_m",
        "location_source",
        "place_name",
        "opened_by",
        "assigned_to",
        "proposed_status",
        "proposed_by",
        "proposed_at",
        "proposal_note",
        "reviewed_by",
        "closed_at",
        "cluster",
        "post",
        "version",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rumour)
class RumourAdmin(admin.ModelAdmin[Rumour]):
    list_display = ("number", "activation", "status", "first_seen_at")
    list_filter = ("status",)
    search_fields = ("claim",)
    list_select_related = ("activation",)
    raw_id_fields = ("clusters", "cases")
