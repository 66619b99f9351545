"""Verification cases (evidence, Admiralty grade, four-eyes verdicts) and the rumour register."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class Reliability(models.TextChoices):
    """Admiralty (NATO) scale: how reliable the source is."""

    A = "A", _("A - Completely reliable")
    B = "B", _("B - Usually reliable")
    C = "C", _("C - Fairly reliable")
    D = "D", _("D - Not usually reliable")
    E = "E", _("E - Unreliable")
    F = "F", _("F - Reliability cannot be judged")


class Credibility(models.IntegerChoices):
    """Admiralty (NATO) scale: how credible the information is."""

    CONFIRMED = 1, _("1 - Confirmed by other sources")
    PROBABLY_TRUE = 2, _("2 - Probably true")
    POSSIBLY_TRUE = 3, _("3 - Possibly true")
    DOUBTFUL = 4, _("4 - Doubtful")
    IMPROBABLE = 5, _("5 - Improbable")
    CANNOT_JUDGE = 6, _("6 - Truth cannot be judged")


class Case(TimeStampedModel):
    """Checking one queue item: evidence, grade, location, and a verdict that a second
    person confirms when it is "verified", "false" or "misleading"."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        IN_PROGRESS = "in_progress", _("In progress")
        VERIFIED = "verified", _("Verified")
        FALSE = "false", _("False")
        MISLEADING = "misleading", _("Misleading")
        UNVERIFIABLE = "unverifiable", _("Unverifiable")

    class LocationSource(models.TextChoices):
        POST = "post", _("Taken from the post")
        MAP = "map", _("Clicked on the map")
        PLACE = "place", _("Place search")

    # verdicts a second, different reviewer must confirm
    FOUR_EYES = frozenset({Status.VERIFIED, Status.FALSE, Status.MISLEADING})
    FINAL = frozenset(
        {Status.VERIFIED, Status.FALSE, Status.MISLEADING, Status.UNVERIFIABLE}
    )

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="cases"
    )
    number = models.PositiveIntegerField(_("number"))
    cluster = models.ForeignKey(
        "monitoring.Cluster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    post = models.ForeignKey(
        "monitoring.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    claim = models.TextField(
        _("what to verify"),
        help_text=_("The claim in one or two sentences, in your own words."),
    )
    category = models.CharField(_("category"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNVERIFIED
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    reliability = models.CharField(
        _("source reliability"), max_length=1, choices=Reliability.choices, blank=True
    )
    credibility = models.PositiveSmallIntegerField(
        _("information credibility"),
        choices=Credibility.choices,
        null=True,
        blank=True,
    )
    location = models.PointField(_("location"), srid=4326, null=True, blank=True)
    location_radius_m = models.PositiveIntegerField(
        _("precision (metres)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500_000)],
    )
    location_source = models.CharField(
        _("location from"), max_length=10, choices=LocationSource.choices, blank=True
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    # A verdict waiting for its second reviewer.
    proposed_status = models.CharField(
        _("proposed verdict"), max_length=20, choices=Status.choices, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposal_note = models.TextField(_("reasoning"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second reviewer"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Optimistic concurrency: a change names the version it edits.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("verification case")
        verbose_name_plural = _("verification cases")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "number"], name="case_number_per_activation"
            ),
            models.UniqueConstraint(
                fields=["cluster"],
                name="case_one_per_item",
                condition=Q(cluster__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True)
                | ~Q(reviewed_by=F("proposed_by")),
                name="case_reviewer_differs_from_proposer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "status", "-updated_at"],
                name="case_activation_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.claim[:60]}"

    @property
    def awaiting_review(self) -> bool:
        return bool(self.proposed_status)

    @property
    def grade(self) -> str:
        """The Admiralty code, e.g. "B2" ("" until both halves are set)."""
        if self.reliability and self.credibility:
            return f"{self.reliability}{self.credibility}"
        return ""


class Evidence(models.Model):
    """One check made on a case: what was done, where (URL), what it showed."""

    class Kind(models.TextChoices):
        SOURCE_PROFILE = "source_profile", _("Source profile check")
        CROSS_CHECK = "cross_check", _("Cross-check with other sources")
        GEOLOCATION = "geolocation", _("Geolocation")
        CHRONOLOCATION = "chronolocation", _("Chronolocation")
        REVERSE_IMAGE = "reverse_image", _("Reverse image search")
        OFFICIAL = "official", _("Official confirmation")
        EYEWITNESS = "eyewitness", _("Eyewitness contact")
        OTHER = "other", _("Other")

    class Finding(models.TextChoices):
        SUPPORTS = "supports", _("Supports the claim")
        CONTRADICTS = "contradicts", _("Contradicts the claim")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("check"), max_length=20, choices=Kind.choices)
    finding = models.CharField(
        _("finding"),
        max_length=20,
        choices=Finding.choices,
        default=Finding.INCONCLUSIVE,
    )
    url = models.URLField(_("link"), max_length=1000, blank=True)
    note = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.note[:60]}"


class CaseEvent(models.Model):
    """The case's full history: every change, who made it, when (never edited)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        EVIDENCE = "evidence", _("Evidence added")
        GRADE = "grade", _("Grade set")
        LOCATION = "location", _("Location set")
        PROPOSED = "proposed", _("Verdict proposed")
        CONFIRMED = "confirmed", _("Verdict confirmed")
        REJECTED = "rejected", _("Verdict sent back")
        WITHDRAWN = "withdrawn", _("Proposal withdrawn")
        NOTE = "note", _("Note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(blank=True)  # plain, human-readable, in the actor's words
    data = models.JSONField(default=dict, blank=True)  # old/new values

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_idx")]


class Rumour(TimeStampedModel):
    """A claim circulating during the activation, followed until confirmed or debunked,
    with the counter-message the authority approves and where it was relayed."""

    class Status(models.TextChoices):
        DETECTED = "detected", _("Detected")
        VERIFYING = "verifying", _("Verifying")
        CONFIRMED = "confirmed", _("Confirmed")
        DEBUNKED = "debunked", _("Debunked")

    class CounterStatus(models.TextChoices):
        NONE = "", _("No counter-message")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for the authority")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="rumours"
    )
    number = models.PositiveIntegerField(_("number"))
    claim = models.TextField(_("claim"))
    first_seen_at = models.DateTimeField(_("first seen"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DETECTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    clusters = models.ManyToManyField(
        "monitoring.Cluster", related_name="rumours", blank=True
    )
    cases = models.ManyToManyField(Case, related_name="rumours", blank=True)
    notes = models.TextField(_("notes"), blank=True)
    counter_message = models.TextField(_("counter-message"), blank=True)
    counter_status = models.CharField(
        _("counter-message status"),
        max_length=20,
        choices=CounterStatus.choices,
        blank=True,
    )
    counter_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    counter_submitted_at = models.DateTimeField(null=True, blank=True)
    counter_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    counter_decided_at = models.DateTimeField(null=True, blank=True)
    counter_decision_note = models.TextField(_("authority's remarks"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("rumour")
        verbose_name_plural = _("rumours")
        ordering = ["-first_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "number"], name="rumour_number_per_activation"
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "status", "-first_seen_at"],
                name="rumour_activation_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"R{self.number} {self.claim[:60]}"


class RumourEvent(models.Model):
    """The rumour's history: status changes, links, counter-message steps."""

    rumour = models.ForeignKey(Rumour, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=30)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Relay(models.Model):
    """Where an approved counter-message (or official message) was published."""

    class Channel(models.TextChoices):
        X = "x", "X"
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        WEBSITE = "website", _("Website")
        OTHER = "other", _("Other")

    rumour = models.ForeignKey(Rumour, on_delete=models.CASCADE, related_name="relays")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    link = models.URLField(_("link"), max_length=1000, blank=True)
    relayed_at = models.DateTimeField(_("published at"), default=now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("relay")
        verbose_name_plural = _("relays")
        ordering = ["relayed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rumour", "channel", "link"],
                name="relay_once_per_channel_link",
            ),
        ]
