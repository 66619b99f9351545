"""The operational map: located items, incidents, reference layers and exports.

``MapItem`` is a read model kept by ``mapping.sync`` from the triage decisions and
verification cases (one row per located, relevant queue item): the map, its data
endpoint, the exports and the OGC API read it without touching the queue's tables.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class Verification(models.TextChoices):
    """What the map says of an item: the verification case's status, if any."""

    UNCHECKED = "unchecked", _("Not checked")
    UNVERIFIED = "unverified", _("Unverified")
    IN_PROGRESS = "in_progress", _("Being verified")
    VERIFIED = "verified", _("Verified")
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    UNVERIFIABLE = "unverifiable", _("Unverifiable")


class Incident(TimeStampedModel):
    """Verified items of one category close in space and time, seen as one event.

    The grouping service proposes incidents; a team lead confirms, merges, splits or
    dismisses them. Confirmed incidents keep their members when proposals are redone.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="incidents"
    )
    number = models.PositiveIntegerField(_("number"))
    category = models.CharField(_("category"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Kept up to date from the members by mapping.incidents.
    centroid = models.PointField(srid=4326, null=True, blank=True)
    footprint = models.GeometryField(srid=4326, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "number"], name="incident_number_unique"
            )
        ]
        indexes = [models.Index(fields=["activation", "status"])]

    def __str__(self) -> str:
        return f"#{self.number} {self.title or self.category}"


class MapItem(models.Model):
    """One located, relevant queue item as the map shows it (see mapping.sync)."""

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="map_items"
    )
    cluster = models.OneToOneField(
        "monitoring.Cluster", on_delete=models.CASCADE, related_name="map_item"
    )
    case = models.ForeignKey(
        "verification.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    location = models.PointField(srid=4326)
    # Web Mercator metres, for the per-viewport grid clustering (no transform per query).
    mx = models.FloatField()
    my = models.FloatField()
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=20, blank=True)
    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.UNCHECKED
    )
    urgent = models.BooleanField(default=False)
    platform = models.CharField(max_length=20, blank=True)
    observed_at = models.DateTimeField()  # the first post's time
    summary = models.CharField(max_length=300, blank=True)  # untrusted: escape
    author_handle = models.CharField(max_length=200, blank=True)
    post_url = models.URLField(max_length=500, blank=True)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["activation", "observed_at"]),
            models.Index(fields=["activation", "verification", "observed_at"]),
            models.Index(fields=["activation", "mx", "my"]),
        ]

    def __str__(self) -> str:
        return f"{self.category or '-'} #{self.cluster_id}"

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED


class ReferenceLayer(TimeStampedModel):
    """Geodata the authority or the team shares: sectors, shelters, closed roads."""

    class Kind(models.TextChoices):
        SECTORS = "sectors", _("Sectors")
        SHELTERS = "shelters", _("Shelters")
        CLOSED_ROADS = "closed_roads", _("Closed roads")
        HAZARD = "hazard", _("Hazard zones")
        OTHER = "other", _("Other")

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="reference_layers",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#6a3d9a")
    shown_by_default = models.BooleanField(_("shown when the map opens"), default=True)
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "name"], name="reference_layer_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReferenceFeature(models.Model):
    layer = models.ForeignKey(
        ReferenceLayer, on_delete=models.CASCADE, related_name="features"
    )
    geometry = models.GeometryField(srid=4326)
    name = models.CharField(max_length=200, blank=True)
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name or f"{self.layer} #{self.pk}"


class MapExport(TimeStampedModel):
    """An export of the map's verified items and incidents, built in the background."""

    class Format(models.TextChoices):
        GEOJSON = "geojson", "GeoJSON"
        KML = "kml", "KML"
        CSV = "csv", "CSV"
        GPKG = "gpkg", "GeoPackage"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="map_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    include_items = models.BooleanField(_("verified items"), default=True)
    include_incidents = models.BooleanField(_("incidents"), default=True)
    pseudonymise = models.BooleanField(_("pseudonymise authors"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)  # in the private storage
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def progress(self) -> int:
        """Percent done (0-100)."""
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
