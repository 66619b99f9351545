"""Who the VOST works for, under which mandate, who is on duty, and what happened."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    ArrayField,
    DateTimeRangeField,
    RangeOperators,
)
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.utils.timezone import localdate, now
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_timezone
from vost.models import TimeStampedModel


class Mission(models.TextChoices):
    """What an agreement authorises a VOST to do (and an activation requests)."""

    MONITORING = "monitoring", _("Social-media monitoring")
    VERIFICATION = "verification", _("Verification")
    MAPPING = "mapping", _("Mapping")
    RELAY = "relay", _("Relay of official messages")
    PUBLIC_HELP = "public_help", _("Helping and orienting the public")
    REPORTING = "reporting", _("Reporting")


class Skill(models.TextChoices):
    MONITORING = "monitoring", _("Monitoring")
    VERIFICATION = "verification", _("Verification")
    GEOLOCATION = "geolocation", _("Geolocation")
    MAPPING = "mapping", _("Mapping")
    TRANSLATION = "translation", _("Translation")
    COMMUNICATION = "communication", _("Communication")
    COORDINATION = "coordination", _("Coordination")


# --- organisations -------------------------------------------------------------
class Organisation(TimeStampedModel):
    """A VOST team or a public authority it works for."""

    class Kind(models.TextChoices):
        VOST_TEAM = "vost_team", _("VOST team")
        FIRE_RESCUE = "fire_rescue", _("Fire and rescue service")
        PREFECTURE = "prefecture", _("Prefecture")
        DEFENCE_ZONE = "defence_zone", _("Defence-zone staff")
        MUNICIPALITY = "municipality", _("Municipality")
        OTHER = "other", _("Other authority")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    # Authorities are recorded by a VOST team, whose coordinators keep them up to date.
    managed_by = models.ForeignKey(
        "self",
        verbose_name=_("managed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_partners",
        limit_choices_to={"kind": Kind.VOST_TEAM},
    )
    max_hours_per_24h = models.PositiveSmallIntegerField(
        _("fatigue limit (hours on duty per 24 h)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_(
            "Volunteers of this team are warned beyond this many hours in 24 h."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind"], name="organisation_name_kind_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="vost_team", managed_by__isnull=True)
                | ~Q(kind="vost_team"),
                name="organisation_vost_team_self_managed",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_vost_team(self) -> bool:
        return self.kind == self.Kind.VOST_TEAM


class OrganisationMember(TimeStampedModel):
    """A person's place in an organisation (not in an activation: see ActivationMember)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MEMBER = "member", _("Member")
        LIAISON = "liaison", _("Authority liaison")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.MEMBER
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("organisation member")
        verbose_name_plural = _("organisation members")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="organisation_member_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Contact(TimeStampedModel):
    """A named contact of an organisation, or on an agreement's liaison/escalation list."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General contact")
        LIAISON = "liaison", _("Liaison")
        ESCALATION = "escalation", _("Escalation")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="contacts",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    agreement = models.ForeignKey(
        "Agreement",
        on_delete=models.CASCADE,
        related_name="contacts",
        null=True,
        blank=True,
        verbose_name=_("agreement"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.GENERAL
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Escalation lists are called in this order.")
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    hours = models.CharField(
        _("hours"),
        max_length=120,
        blank=True,
        help_text=_("e.g. 24/7, or weekdays 8:00-18:00"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["kind", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) ^ Q(agreement__isnull=False),
                name="contact_belongs_to_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


# --- agreements ---------------------------------------------------------------
class Agreement(TimeStampedModel):
    """A partnership agreement ("convention de partenariat") between a VOST team and an authority."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        TERMINATED = "terminated", _("Terminated")

    reference = models.CharField(_("reference"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    vost_team = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_as_team",
        verbose_name=_("VOST team"),
        limit_choices_to={"kind": Organisation.Kind.VOST_TEAM},
    )
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements_as_authority",
        verbose_name=_("authority"),
    )
    # Stored: draft, active, suspended, terminated. "Expired" is derived from the
    # dates (effective_status), so an agreement expires at midnight without a job.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    missions = ArrayField(
        models.CharField(max_length=20, choices=Mission.choices),
        verbose_name=_("authorised missions"),
        default=list,
    )
    territory = models.MultiPolygonField(
        _("territory"), srid=4326, null=True, blank=True
    )
    retention_days = models.PositiveIntegerField(
        _("retention after closing (days)"),
        default=90,
        validators=[MaxValueValidator(3650)],
        help_text=_(
            "Collected data is purged this many days after an activation closes."
        ),
    )
    relay_needs_approval = models.BooleanField(
        _("relay needs the authority's approval"),
        default=True,
        help_text=_(
            "Official messages are relayed only once a liaison of the authority "
            "has approved each channel's text."
        ),
    )
    activation_procedure = models.TextField(_("activation procedure"), blank=True)
    signed_document = models.FileField(
        _("signed agreement (PDF)"), upload_to="agreements/%Y/", blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    last_reminder_days = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-valid_until", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="agreement_valid_until_after_valid_from",
                violation_error_message=_(
                    "The end of validity must not be before its start."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="expired"),
                name="agreement_expired_is_derived",
            ),
            models.CheckConstraint(
                condition=~Q(vost_team=F("authority")),
                name="agreement_two_different_parties",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.vost_team} / {self.authority}"

    def effective_status(self, on: dt.date | None = None) -> str:
        """The status as of `on` (today by default): an active agreement past its end is expired."""
        day = on or localdate()
        if self.status == self.Status.ACTIVE and day > self.valid_until:
            return self.Status.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return str(self.Status(self.effective_status()).label)

    def is_in_force(self, on: dt.date | None = None) -> bool:
        day = on or localdate()
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day <= self.valid_until
        )

    @property
    def days_left(self) -> int:
        return (self.valid_until - localdate()).days


# --- activations ----------------------------------------------------------------
class Activation(TimeStampedModel):
    """A VOST activation for an authority: a crisis, an exercise or a watch."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", _("Crisis")
        EXERCISE = "exercise", _("Exercise")
        WATCH = "watch", _("Watch")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        STANDBY = "standby", _("Standby")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(_("short name (slug)"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.CRISIS
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="activations",
        verbose_name=_("agreement"),
    )
    lead_team = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_activations",
        verbose_name=_("lead VOST team"),
    )
    supporting_teams = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="supported_activations",
        verbose_name=_("supporting VOST teams"),
    )
    authority = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="requested_activations",
        verbose_name=_("requesting authority"),
    )
    requester_name = models.CharField(_("requested by"), max_length=150, blank=True)
    requester_contact = models.CharField(
        _("requester's phone or email"), max_length=150, blank=True
    )
    missions = ArrayField(
        models.CharField(max_length=20, choices=Mission.choices),
        verbose_name=_("requested missions"),
        default=list,
    )
    area = models.MultiPolygonField(_("area"), srid=4326)
    objectives = models.TextField(_("objectives"), blank=True)
    escalation_criteria = models.TextField(
        _("escalation criteria"),
        blank=True,
        help_text=_("What the authority wants to know at once (life-safety, …)."),
    )
    report_cadence_hours = models.PositiveSmallIntegerField(
        _("report every (hours)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    triage_lease_minutes = models.PositiveSmallIntegerField(
        _("triage lease (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "How long a claimed item stays with a volunteer before it returns to the queue."
        ),
    )
    escalation_renotify_minutes = models.PositiveSmallIntegerField(
        _("re-notify unacknowledged escalations after (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    languages = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Paris",
        validators=[validate_timezone],
    )
    requested_at = models.DateTimeField(_("requested at"), default=now)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    # Optimistic concurrency: every change says which version it edits; a stale one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["status", "-requested_at"], name="activation_status_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="activation_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_exercise(self) -> bool:
        return self.kind == self.Kind.EXERCISE

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def is_open(self) -> bool:
        return self.status in {
            self.Status.REQUESTED,
            self.Status.ACTIVE,
            self.Status.STANDBY,
        }


class ActivationMember(TimeStampedModel):
    """A person's role in one activation; the permission table keys on `role`."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        TEAM_LEAD = "team_lead", _("Team lead")
        VOLUNTEER = "volunteer", _("Volunteer")
        LIAISON = "liaison", _("Authority liaison")
        OBSERVER = "observer", _("Observer")

    activation = models.ForeignKey(
        Activation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("activation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activation_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("activation member")
        verbose_name_plural = _("activation members")
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "user"], name="activation_member_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


# --- volunteers ---------------------------------------------------------------
class VolunteerProfile(TimeStampedModel):
    """What a volunteer can do and has agreed to; required before any activation."""

    class Training(models.TextChoices):
        NEW = "new", _("New (not yet trained)")
        BASIC = "basic", _("Basic training")
        CONFIRMED = "confirmed", _("Confirmed")
        TRAINER = "trainer", _("Trainer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
        verbose_name=_("user"),
    )
    skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        verbose_name=_("skills"),
        default=list,
        blank=True,
    )
    training_level = models.CharField(
        _("training level"),
        max_length=20,
        choices=Training.choices,
        default=Training.NEW,
    )
    availability_notes = models.TextField(_("availability"), blank=True)
    charter_version = models.CharField(
        _("charter version accepted"), max_length=20, blank=True
    )
    charter_accepted_at = models.DateTimeField(
        _("charter accepted on"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def charter_accepted(self) -> bool:
        return self.charter_accepted_at is not None


class VolunteerLanguage(models.Model):
    class Level(models.TextChoices):
        NATIVE = "native", _("Native")
        FLUENT = "fluent", _("Fluent")
        WORKING = "working", _("Working knowledge")
        BASIC = "basic", _("Basic")

    profile = models.ForeignKey(
        VolunteerProfile, on_delete=models.CASCADE, related_name="languages"
    )
    language = models.CharField(
        _("language"), max_length=8, help_text=_("ISO 639-1 code, e.g. fr")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "language"], name="volunteer_language_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language} ({self.get_level_display()})"


# --- rosters -----------------------------------------------------------------
class Shift(TimeStampedModel):
    activation = models.ForeignKey(
        Activation,
        on_delete=models.CASCADE,
        related_name="shifts",
        verbose_name=_("activation"),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    required_skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        verbose_name=_("required skills"),
        default=list,
        blank=True,
    )
    headcount = models.PositiveSmallIntegerField(
        _("people needed"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["activation", "starts_at"], name="shift_activation_start_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("A shift must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class ShiftAssignment(TimeStampedModel):
    """A person on a shift, by sign-up or assignment; check-in and out with a handover note."""

    class Source(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        ASSIGNED = "assigned", _("Assigned")

    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("shift"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="shift_assignments",
        verbose_name=_("user"),
    )
    source = models.CharField(_("how"), max_length=20, choices=Source.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    # A copy of the shift's time span, so the database itself refuses overlapping duty.
    period = DateTimeRangeField(editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    handover_note = models.TextField(_("handover note"), blank=True)

    class Meta:
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "user"], name="shift_assignment_unique"
            ),
            ExclusionConstraint(
                name="shift_assignment_no_overlap",
                expressions=[
                    ("user", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("You are already on duty at that time."),
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False),
                name="shift_assignment_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shift}"


# --- activation log ("main courante") -------------------------------------------
class LogEntry(models.Model):
    """One line of the activation log. Append-only: the database refuses UPDATE and DELETE
    (trigger in migration 0002); a correction is a new entry pointing at the old one."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        DECISION = "decision", _("Decision")
        STATUS = "status", _("Status change")
        MEMBERSHIP = "membership", _("Membership")
        ROSTER = "roster", _("Roster")
        CHECK_IN = "check_in", _("Check-in / check-out")
        CORRECTION = "correction", _("Correction")
        SYSTEM = "system", _("System")

    activation = models.ForeignKey(
        Activation,
        on_delete=models.PROTECT,
        related_name="log_entries",
        verbose_name=_("activation"),
    )
    at = models.DateTimeField(_("time"), default=now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE
    )
    text = models.TextField(_("text"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["activation", "-at"], name="logentry_activation_at_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:60]}"
