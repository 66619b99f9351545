"""Base models shared by every app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds creation and last-update times (UTC, timezone-aware)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicLanguage(models.TextChoices):
    """The languages the hub writes to the public in (relays, prevention messages,
    reply templates)."""

    FR = "fr", _("French")
    EN = "en", _("English")
