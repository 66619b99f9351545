"""Help to the population: reply templates pointing to official resources, and the
mutual-aid board of needs and offers spotted in posts."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activations.models import Activation
from vost.models import PublicLanguage, TimeStampedModel

# The values a reply's body may refer to, filled from the activation's reply values.
PLACEHOLDERS = ("official_url", "emergency_number", "shelter", "authority")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
AID_LIFETIME = dt.timedelta(hours=48)


def validate_placeholders(text: str) -> None:
    """Refuse a body naming a placeholder we cannot fill (a typo would go out as is)."""
    unknown = sorted({n for n in PLACEHOLDER_RE.findall(text) if n not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s): %(names)s. Use %(known)s."),
            code="unknown_placeholder",
            params={
                "names": ", ".join(f"{{{n}}}" for n in unknown),
                "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            },
        )


validate_web_url = URLValidator(
    schemes=["http", "https"], message=_("Enter an http:// or https:// address.")
)


class Situation(models.TextChoices):
    FLOOD_TRAPPED = "flood_trapped", _("Trapped by water")
    EVACUATION = "evacuation", _("Evacuation")
    SHELTER = "shelter", _("Shelter")
    ROAD_CLOSED = "road_closed", _("Road closed")
    POWER_CUT = "power_cut", _("Power cut")
    MISSING_PERSON = "missing_person", _("Missing person")
    DONATION = "donation", _("Donations")
    RUMOUR = "rumour", _("Rumour")
    DRINKING_WATER = "drinking_water", _("Drinking water")
    HEAT = "heat", _("Heatwave")


Language = PublicLanguage


class ReplyTemplate(TimeStampedModel):
    """A reply to the public for one situation and language.

    Without an activation it belongs to the library shared by every activation; with
    one, it overrides the library's template of the same situation and language for
    that activation (an inactive override hides it there).
    """

    activation = models.ForeignKey(
        Activation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("activation"),
    )
    situation = models.CharField(
        _("situation"), max_length=30, choices=Situation.choices
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        max_length=1000,
        validators=[validate_placeholders],
        help_text=_(
            "Placeholders filled from the activation: {official_url}, "
            "{emergency_number}, {shelter}, {authority}."
        ),
    )
    resource_urls = ArrayField(
        models.CharField(max_length=300, validators=[validate_web_url]),
        verbose_name=_("official resources"),
        default=list,
        blank=True,
        size=8,
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["situation", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["situation", "language"],
                condition=Q(activation__isnull=True),
                name="reply_library_situation_language_unique",
            ),
            models.UniqueConstraint(
                fields=["activation", "situation", "language"],
                condition=Q(activation__isnull=False),
                name="reply_override_situation_language_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_library(self) -> bool:
        return self.activation_id is None


class ReplyValues(TimeStampedModel):
    """What an activation's replies say for each placeholder."""

    activation = models.OneToOneField(
        Activation,
        on_delete=models.CASCADE,
        related_name="reply_values",
        verbose_name=_("activation"),
    )
    official_url = models.CharField(
        _("official website"),
        max_length=300,
        blank=True,
        validators=[validate_web_url],
        help_text=_("The prefecture's or the authority's page about the event."),
    )
    emergency_number = models.CharField(
        _("emergency number"), max_length=20, default="112"
    )
    shelter = models.CharField(
        _("shelter"),
        max_length=300,
        blank=True,
        help_text=_("Where people can find shelter, as the authority announced it."),
    )
    authority = models.CharField(
        _("authority"),
        max_length=200,
        blank=True,
        help_text=_("Name used in replies; the requesting authority's name if empty."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("reply values")
        verbose_name_plural = _("reply values")

    def __str__(self) -> str:
        return str(self.activation)


class AidEntry(TimeStampedModel):
    """A need or an offer of help seen in a post, without personal data."""

    class Kind(models.TextChoices):
        NEED = "need", _("Need")
        OFFER = "offer", _("Offer")

    class Category(models.TextChoices):
        SHELTER = "shelter", _("Shelter")
        TRANSPORT = "transport", _("Transport")
        FOOD_WATER = "food_water", _("Food and water")
        MEDICAL = "medical", _("Medical")
        EQUIPMENT = "equipment", _("Equipment")
        ANIMALS = "animals", _("Animals")
        VOLUNTEERS = "volunteers", _("Volunteers")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    activation = models.ForeignKey(
        Activation,
        on_delete=models.CASCADE,
        related_name="aid_entries",
        verbose_name=_("activation"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.CharField(_("description"), max_length=500)
    location = models.PointField(_("location"), srid=4326)
    radius_m = models.PositiveIntegerField(
        _("radius (m)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50_000)],
    )
    place_name = models.CharField(_("commune or place"), max_length=200, blank=True)
    source_post = models.ForeignKey(
        "monitoring.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source post"),
    )
    source_url = models.CharField(
        _("source post address"),
        max_length=500,
        blank=True,
        validators=[validate_web_url],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    expires_at = models.DateTimeField(_("expires at"))
    matched_with = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched with"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("aid entry")
        verbose_name_plural = _("aid entries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["activation", "kind", "category", "status"],
                name="aid_entry_board_idx",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="open"),
                name="aid_entry_open_expiry_idx",
            ),
        ]
        constraints = [
            # A match is a pair: only matched or fulfilled entries point to another.
            models.CheckConstraint(
                condition=Q(matched_with__isnull=True)
                | Q(status__in=["matched", "fulfilled"]),
                name="aid_entry_matched_with_status",
            ),
            models.CheckConstraint(
                condition=~Q(matched_with=models.F("pk")),
                name="aid_entry_not_matched_with_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}: {self.get_category_display()}"

    @staticmethod
    def default_expiry() -> dt.datetime:
        return timezone.now() + AID_LIFETIME
