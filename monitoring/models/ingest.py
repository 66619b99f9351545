"""Sources, the posts they bring in, their near-duplicate clusters, and what was refused."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class Platform(models.TextChoices):
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    RSS = "rss", _("RSS/Atom feed")
    CAP = "cap", _("CAP alerts")
    FILE = "file", _("File import")
    REPLAY = "replay", _("Exercise replay")
    GENERIC = "generic", _("Other")


class Category(models.TextChoices):
    """Default taxonomy, aligned with HumAID / TREC-IS plus what a VOST needs."""

    REQUEST = "request", _("Requests or urgent needs")
    INJURED_DEAD = "injured_dead", _("Injured or dead people")
    MISSING_FOUND = "missing_found", _("Missing or found people")
    DISPLACED = "displaced", _("Displaced people and evacuations")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure and utilities damage")
    CAUTION = "caution", _("Caution and advice")
    RESCUE_DONATION = "rescue_donation", _("Rescue, volunteering or donations")
    SYMPATHY = "sympathy", _("Sympathy and support")
    OFFICIAL = "official", _("Official communication")
    RUMOUR = "rumour", _("Possible rumour")
    OTHER_RELEVANT = "other_relevant", _("Other relevant information")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class Source(TimeStampedModel):
    """Where an activation's posts come from: one query, feed, account list or file."""

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="sources",
        verbose_name=_("activation"),
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=120)
    # What to fetch: query, hashtag, instance URL, feed URL… (connector-specific, validated by it).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The NAME of an environment variable (or NAME_FILE secret) holding the credentials;
    # the secret itself is never stored, shown or sent back by the API.
    credentials_env = models.CharField(
        _("credentials variable"),
        max_length=64,
        blank=True,
        help_text=_(
            "Name of the environment variable holding the token, e.g. X_BEARER_TOKEN."
        ),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    interval_seconds = models.PositiveIntegerField(
        _("poll every (seconds)"), default=120
    )
    # Where the next fetch starts (since_id, min_id, cursor, ETag…); only moves forward.
    cursor = models.JSONField(_("cursor"), default=dict, blank=True, editable=False)
    last_success_at = models.DateTimeField(
        _("last success"), null=True, blank=True, editable=False
    )
    last_error_at = models.DateTimeField(
        _("last error"), null=True, blank=True, editable=False
    )
    last_error = models.TextField(_("last error message"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, editable=False
    )
    paused_reason = models.CharField(
        _("paused because"), max_length=300, blank=True, editable=False
    )
    # X bills by posts read: month-to-date usage against a cap.
    usage_month = models.DateField(null=True, blank=True, editable=False)
    usage_count = models.PositiveIntegerField(
        _("posts read this month"), default=0, editable=False
    )
    monthly_cap = models.PositiveIntegerField(
        _("monthly cap (posts read)"),
        null=True,
        blank=True,
        help_text=_(
            "X only: warnings at 50, 80 and 95% of it; fetching stops at 100%."
        ),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["activation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "name"], name="source_name_unique_per_activation"
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_enabled", "next_attempt_at"], name="source_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def usage_ratio(self) -> float | None:
        if not self.monthly_cap:
            return None
        return self.usage_count / self.monthly_cap


class Cluster(TimeStampedModel):
    """Near-copies of one message; the triage queue shows one item per cluster."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_TRIAGE = "in_triage", _("In triage")
        DONE = "done", _("Done")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="clusters"
    )
    representative = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    size = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    priority = models.FloatField(default=0.0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # The representative's language, so the queue can match the volunteer's languages.
    lang = models.CharField(max_length=8, blank=True, db_default="")
    # Triage: who holds the item and until when (a lease; expired leases return it).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The decision in force (the TriageDecision rows keep the history).
    decision = models.CharField(max_length=20, blank=True, db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        indexes = [
            models.Index(
                fields=["activation", "status", "-priority"], name="cluster_queue_idx"
            ),
            # what "Next" scans: open items, most urgent first
            models.Index(
                fields=["activation", "-priority", "first_seen_at"],
                name="cluster_open_queue_idx",
                condition=Q(status__in=["new", "in_triage"]),
            ),
            # the item view's related items: one category, most urgent first
            models.Index(
                fields=["activation", "category", "-priority", "-first_seen_at"],
                name="cluster_related_idx",
            ),
            models.Index(
                fields=["claimed_by"],
                name="cluster_claimed_by_idx",
                condition=Q(status="in_triage"),
            ),
        ]

    def __str__(self) -> str:
        return f"cluster {self.pk} ({self.size})"


class ClusterBand(models.Model):
    """One LSH band of a cluster's MinHash signature: posts sharing a band are candidates."""

    activation_id: int
    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="bands")
    band = (
        models.BigIntegerField()
    )  # band index folded into the hash: one column, one index

    class Meta:
        # covering: the band lookup reads the cluster id from the index alone
        indexes = [
            models.Index(
                fields=["activation", "band", "cluster"], name="clusterband_lookup_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "band"], name="clusterband_unique"
            ),
        ]


class Post(models.Model):
    """One post, whatever the platform, in the normalised shape; `raw` is kept as evidence."""

    class LocationSource(models.TextChoices):
        PLATFORM = "platform", _("Platform geotag")
        GEOPARSED = "geoparsed", _("Place name in the text")
        OFFICIAL = "official", _("Official alert area")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="posts"
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_id = models.CharField(max_length=200, blank=True)
    author_meta = models.JSONField(
        default=dict, blank=True
    )  # followers, verified, created_at…
    text = models.TextField(
        blank=True
    )  # plain text: HTML already stripped, never rendered raw
    lang = models.CharField(max_length=8, blank=True, db_index=True)
    posted_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(db_index=True)
    media = models.JSONField(default=list, blank=True)
    location = models.PointField(srid=4326, null=True, blank=True)
    location_source = models.CharField(
        max_length=20, choices=LocationSource.choices, blank=True
    )
    place_name = models.CharField(max_length=200, blank=True)
    in_area = models.BooleanField(null=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    priority = models.FloatField(default=0.0)
    is_official = models.BooleanField(default=False)
    repost_of_external_id = models.CharField(max_length=200, blank=True)
    repost_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reposts"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    minhash = models.BinaryField(null=True, blank=True, editable=False)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "platform", "external_id"],
                name="post_unique_per_activation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "-received_at"],
                name="post_activation_received_idx",
            ),
            models.Index(
                fields=["activation", "-posted_at"], name="post_activation_posted_idx"
            ),
            models.Index(
                fields=["activation"],
                name="post_unclustered_idx",
                condition=Q(cluster__isnull=True),
            ),
            # reposts still waiting for their original: probed on every batch
            models.Index(
                fields=["activation", "platform", "repost_of_external_id"],
                name="post_awaiting_original_idx",
                condition=Q(repost_of__isnull=True) & ~Q(repost_of_external_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


class IngestBatch(models.Model):
    """What one fetch or import brought: the live figures and the audit trail."""

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="batches"
    )
    received = models.PositiveIntegerField(default=0)
    inserted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["activation", "-finished_at"], name="batch_activation_time_idx"
            )
        ]


class Rejection(models.Model):
    """A record that could not be used, and why (the rest of its batch went on)."""

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rejections",
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    reason = models.CharField(max_length=300)
    excerpt = models.TextField(blank=True)  # at most 500 characters of the record
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["activation", "-created_at"], name="rejection_activation_idx"
            )
        ]


class Place(models.Model):
    """A gazetteer entry for geoparsing: a commune (or town) with its point and population."""

    source = models.CharField(
        max_length=20
    )  # "geonames" (packaged) or "insee" (load_gazetteer)
    code = models.CharField(max_length=20)  # INSEE code or GeoNames id
    name = models.CharField(max_length=200)
    normalized = models.CharField(
        max_length=200, db_index=True
    )  # lower-case, no accents, no hyphens
    department = models.CharField(max_length=5, blank=True)
    population = models.PositiveIntegerField(default=0)
    location = models.PointField(srid=4326)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "code"], name="place_source_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department})" if self.department else self.name


class ClassifierState(models.Model):
    """An activation's online classifier, learnt from its triage decisions.

    Stored as plain arrays (numpy .npz, loaded with allow_pickle=False): nothing
    executable is ever read back from the database.
    """

    activation = models.OneToOneField(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="classifier_state",
    )
    arrays = models.BinaryField()
    updates = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("classifier state")
        verbose_name_plural = _("classifier states")
