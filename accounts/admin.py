from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ("language", "timezone", "phone")}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "is_active",
        "is_staff",
    )
    list_filter = (*BaseUserAdmin.list_filter, "language")
