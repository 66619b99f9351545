"""Staff edit the library of reply templates (shared by every activation) here."""

from __future__ import annotations

from django.contrib import admin

from publichelp.models import AidEntry, ReplyTemplate, ReplyValues


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin[ReplyTemplate]):
    list_display = ["title", "situation", "language", "activation", "is_active"]
    list_filter = ["situation", "language", "is_active"]
    search_fields = ["title", "body"]
    raw_id_fields = ["activation", "updated_by"]


@admin.register(ReplyValues)
class ReplyValuesAdmin(admin.ModelAdmin[ReplyValues]):
    list_display = ["activation", "official_url", "emergency_number"]
    raw_id_fields = ["activation"]


@admin.register(AidEntry)
class AidEntryAdmin(admin.ModelAdmin[AidEntry]):
    list_display = ["pk", "activation", "kind", "category", "status", "expires_at"]
    list_filter = ["kind", "category", "status"]
    raw_id_fields = ["activation", "source_post", "matched_with", "created_by"]
    readonly_fields = ["version"]
