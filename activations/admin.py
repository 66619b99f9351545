"""Admin for every model of the Organisation core; geometries edited on a Leaflet map."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Field
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from leaflet.admin import LeafletGeoAdmin

from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Contact,
    LogEntry,
    Organisation,
    OrganisationMember,
    Shift,
    ShiftAssignment,
    VolunteerLanguage,
    VolunteerProfile,
)


class CspLeafletAdmin(LeafletGeoAdmin):  # type: ignore[misc]
    """django-leaflet reads the nonce from request.csp_nonce; Django's CSP keeps it elsewhere."""

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest | None, **kwargs: Any
    ) -> Any:
        if request is not None:
            request.csp_nonce = get_nonce(request)  # type: ignore[attr-defined]
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ContactInline(admin.TabularInline[Contact, Any]):
    model = Contact
    extra = 0
    fields = ("kind", "position", "name", "role", "phone", "email", "hours")


class OrganisationMemberInline(admin.TabularInline[OrganisationMember, Any]):
    model = OrganisationMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "short_name", "kind", "managed_by", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name")
    inlines = (OrganisationMemberInline, ContactInline)


@admin.register(Agreement)
class AgreementAdmin(CspLeafletAdmin):
    list_display = (
        "reference",
        "vost_team",
        "authority",
        "status",
        "valid_from",
        "valid_until",
    )
    list_filter = ("status", "vost_team")
    search_fields = ("reference", "title", "authority__name")
    autocomplete_fields = ("vost_team", "authority")
    inlines = (ContactInline,)


class ActivationMemberInline(admin.TabularInline[ActivationMember, Any]):
    model = ActivationMember
    extra = 0
    autocomplete_fields = ("user",)
    fk_name = "activation"
    fields = ("user", "role")


@admin.register(Activation)
class ActivationAdmin(CspLeafletAdmin):
    list_display = (
        "slug",
        "title",
        "kind",
        "status",
        "authority",
        "lead_team",
        "requested_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("slug", "title")
    readonly_fields = ("version",)
    autocomplete_fields = ("agreement", "lead_team", "authority")
    filter_horizontal = ("supporting_teams",)
    inlines = (ActivationMemberInline,)


class VolunteerLanguageInline(admin.TabularInline[VolunteerLanguage, Any]):
    model = VolunteerLanguage
    extra = 0


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin[VolunteerProfile]):
    list_display = ("user", "training_level", "charter_version", "charter_accepted_at")
    search_fields = ("user__username", "user__last_name")
    inlines = (VolunteerLanguageInline,)


class ShiftAssignmentInline(admin.TabularInline[ShiftAssignment, Any]):
    model = ShiftAssignment
    extra = 0
    fk_name = "shift"
    fields = ("user", "source", "checked_in_at", "checked_out_at", "handover_note")
    readonly_fields = ("source",)
    autocomplete_fields = ("user",)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    list_display = ("activation", "title", "starts_at", "ends_at", "headcount")
    list_filter = ("activation",)
    inlines = (ShiftAssignmentInline,)


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin[LogEntry]):
    """Read-only: the log is append-only (the database refuses edits and deletions)."""

    list_display = ("at", "activation", "kind", "author", "text")
    list_filter = ("kind", "activation")
    search_fields = ("text",)

    def has_change_permission(
        self, request: HttpRequest, obj: LogEntry | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LogEntry | None = None
    ) -> bool:
        return False


@admin.register(OrganisationMember)
class OrganisationMemberAdmin(admin.ModelAdmin[OrganisationMember]):
    list_display = ("user", "organisation", "role", "title")
    list_filter = ("role", "organisation")
    autocomplete_fields = ("user", "organisation")


@admin.register(ActivationMember)
class ActivationMemberAdmin(admin.ModelAdmin[ActivationMember]):
    list_display = ("user", "activation", "role")
    list_filter = ("role", "activation")
    autocomplete_fields = ("user", "activation")
