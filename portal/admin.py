from django.contrib import admin

from portal.models import RequestForInformation


@admin.register(RequestForInformation)
class RequestForInformationAdmin(admin.ModelAdmin[RequestForInformation]):
    list_display = ["activation", "number", "status", "due_at", "asked_by"]
    list_filter = ["status"]
    raw_id_fields = [
        "activation",
        "asked_by",
        "assigned_to",
        "answered_by",
        "map_items",
        "cases",
    ]
    search_fields = ["question", "answer"]
