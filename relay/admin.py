from django.contrib import admin

from relay.models import OfficialMessage, RelayTask


@admin.register(OfficialMessage)
class OfficialMessageAdmin(admin.ModelAdmin[OfficialMessage]):
    list_display = ["id", "activation", "origin", "status", "created_at"]
    list_filter = ["origin", "status"]
    raw_id_fields = ["activation", "source_post", "created_by"]


@admin.register(RelayTask)
class RelayTaskAdmin(admin.ModelAdmin[RelayTask]):
    list_display = ["id", "message", "channel", "status", "published_url", "attempts"]
    list_filter = ["channel", "status"]
    readonly_fields = ["idempotency_key", "external_id", "attempts", "in_flight"]
    raw_id_fields = [
        "message",
        "approval_requested_by",
        "approved_by",
        "publish_requested_by",
        "published_by",
    ]
