"""Admin: purges and reviews, read-mostly."""

from django.contrib import admin

from closure.models import AfterActionReview, RetentionPurge


@admin.register(RetentionPurge)
class RetentionPurgeAdmin(admin.ModelAdmin[RetentionPurge]):
    list_display = ["activation", "status", "due_at", "done_at"]
    list_filter = ["status"]
    readonly_fields = ["counts", "done_at"]


@admin.register(AfterActionReview)
class AfterActionReviewAdmin(admin.ModelAdmin[AfterActionReview]):
    list_display = ["activation", "generated_at", "updated_at"]
    readonly_fields = ["figures", "generated_at"]
