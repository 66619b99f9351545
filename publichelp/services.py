"""Writes of the help to the population: reply templates and their values, the
library seed, and the mutual-aid board (create, match, change status, expire).

Callers have checked the action (MANAGE_REPLY_TEMPLATES, MANAGE_PUBLIC_HELP) on the
activation. Refusals raise DomainError (ConflictError when someone else changed the
entry first, or on a double submission) and change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation
from activations.services._common import log
from monitoring.models import Post
from publichelp import selectors
from publichelp.models import AID_LIFETIME, AidEntry, ReplyTemplate, ReplyValues
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

LIBRARY_FILE = Path(__file__).resolve().parent / "data" / "reply_library.json"
DUPLICATE_WINDOW = dt.timedelta(minutes=2)
Status = AidEntry.Status

# --- the scrubber ----------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Nine digits or more, maybe after + or 00, with spaces, dots, dashes or slashes
# between them: French (06 12 34 56 78, +33 6 12…) and most foreign numbers. Short
# numbers (112, 18, 3624) and dates stay.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s./-]?\(?\d\)?){8,}(?!\w)")


def text_scrub(text: str) -> tuple[str, bool]:
    """`text` without e-mail addresses and phone numbers; and whether any was removed."""
    scrubbed = _EMAIL.sub("[{}]".format(_("e-mail removed")), text)
    scrubbed = _PHONE.sub("[{}]".format(_("phone removed")), scrubbed)
    scrubbed = re.sub(r"[ \t]+", " ", scrubbed).strip()
    return scrubbed, scrubbed != re.sub(r"[ \t]+", " ", text).strip()


def _refuse(message: str, *, code: str, conflict: bool = False) -> DomainError:
    logger.warning("public help refused (%s): %s", code, message)
    return (ConflictError if conflict else DomainError)(message, code=code)


def _validation_message(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


# --- reply templates -------------------------------------------------------------------
@transaction.atomic
def reply_library_seed() -> int:
    """Create the library templates that are missing (never overwrites an edited one).
    Idempotent; returns how many were created."""
    created = 0
    for row in json.loads(LIBRARY_FILE.read_text(encoding="utf-8")):
        _, made = ReplyTemplate.objects.get_or_create(
            activation=None,
            situation=row["situation"],
            language=row["language"],
            defaults={
                "title": row["title"],
                "body": row["body"],
                "resource_urls": row["resource_urls"],
            },
        )
        created += made
    return created


def _check_version(current: int, version: int | None, what: str) -> None:
    if version is not None and version != current:
        raise _refuse(
            _("Someone changed this %(what)s meanwhile: reload and try again.")
            % {"what": what},
            code="stale_version",
            conflict=True,
        )


@transaction.atomic
def reply_template_save(
    *,
    activation: Activation,
    by: User,
    template: ReplyTemplate | None,
    situation: str,
    language: str,
    title: str,
    body: str,
    resource_urls: list[str],
    is_active: bool = True,
    version: int | None = None,
) -> ReplyTemplate:
    """Create a template of the activation (`template` None) or edit one of its own.

    Library templates are not edited here (staff do, in the administration): make an
    override with reply_template_customise.
    """
    if template is None:
        template = ReplyTemplate(activation=activation)
    else:
        template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
        if template.activation_id != activation.pk:
            raise _refuse(
                _("Library templates are shared: customise it for this activation."),
                code="library_template",
            )
        _check_version(template.version, version, _("template"))
        template.version += 1
    template.situation = situation
    template.language = language
    template.title = title.strip()
    template.body = body.strip()
    template.resource_urls = [u.strip() for u in resource_urls if u.strip()]
    template.is_active = is_active
    template.updated_by = by
    try:
        template.full_clean()
    except ValidationError as exc:
        if "__all__" in exc.message_dict:  # the unique constraint
            raise _refuse(
                _(
                    "This activation already has a template for this situation and "
                    "language: edit it instead."
                ),
                code="duplicate_template",
            ) from exc
        raise _refuse(_validation_message(exc), code="invalid_template") from exc
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # a concurrent create of the same override
        raise _refuse(
            _(
                "This activation already has a template for this situation and "
                "language: edit it instead."
            ),
            code="duplicate_template",
            conflict=True,
        ) from exc
    log(
        activation=activation,
        author=by,
        text=_("Reply template saved: %(title)s (%(language)s).")
        % {"title": template.title, "language": template.language},
    )
    return template


@transaction.atomic
def reply_template_customise(
    *, activation: Activation, by: User, template: ReplyTemplate
) -> ReplyTemplate:
    """The activation's override of a library template, made as a copy if it has none
    (idempotent: a second call returns the same override)."""
    if not template.is_library:
        return template
    override, created = ReplyTemplate.objects.get_or_create(
        activation=activation,
        situation=template.situation,
        language=template.language,
        defaults={
            "title": template.title,
            "body": template.body,
            "resource_urls": list(template.resource_urls),
            "updated_by": by,
        },
    )
    if created:
        log(
            activation=activation,
            author=by,
            text=_("Reply template customised for this activation: %(title)s.")
            % {"title": template.title},
        )
    return override


@transaction.atomic
def reply_template_set_active(
    *, activation: Activation, by: User, template: ReplyTemplate, active: bool
) -> ReplyTemplate:
    """Show or hide a template in this activation; a library template is hidden
    through an inactive override (the library itself is untouched)."""
    own = reply_template_customise(activation=activation, by=by, template=template)
    own = ReplyTemplate.objects.select_for_update().get(pk=own.pk)
    if own.is_active != active:
        own.is_active = active
        own.version += 1
        own.updated_by = by
        own.save(update_fields=["is_active", "version", "updated_by", "updated_at"])
        log(
            activation=activation,
            author=by,
            text=(
                _("Reply template reactivated: %(title)s.")
                if active
                else _("Reply template deactivated: %(title)s.")
            )
            % {"title": own.title},
        )
    return own


@transaction.atomic
def reply_values_save(
    *,
    activation: Activation,
    by: User,
    official_url: str,
    emergency_number: str,
    shelter: str,
    authority: str,
) -> ReplyValues:
    """Set what the activation's replies say for each placeholder."""
    values, _created = ReplyValues.objects.select_for_update().get_or_create(
        activation=activation
    )
    values.official_url = official_url.strip()
    values.emergency_number = emergency_number.strip() or "112"
    values.shelter = shelter.strip()
    values.authority = authority.strip()
    try:
        values.full_clean()
    except ValidationError as exc:
        raise _refuse(_validation_message(exc), code="invalid_values") from exc
    values.version += 1
    values.save()
    log(activation=activation, author=by, text=_("Reply values updated."))
    return values


# --- the mutual-aid board --------------------------------------------------------------
@transaction.atomic
def aid_entry_create(
    *,
    activation: Activation,
    by: User,
    kind: str,
    category: str,
    description: str,
    location: Point | None = None,
    radius_m: int | None = None,
    place_name: str = "",
    source_post: Post | None = None,
) -> AidEntry:
    """Record a need or an offer; its description loses phone numbers and e-mails.

    Without a point, `place_name` is looked up in the gazetteer. The same entry sent
    twice by the same person within two minutes is recorded once (the first is returned).
    """
    # Serialise creations per activation so that a double submission sees the first.
    Activation.objects.select_for_update().filter(pk=activation.pk).first()
    if not activation.is_open:
        raise _refuse(
            _("This activation is closed: the board no longer takes entries."),
            code="activation_closed",
        )
    text, _removed = text_scrub(description)
    if not text:
        raise _refuse(_("Describe the need or the offer."), code="empty_description")
    if source_post is not None and source_post.activation_id != activation.pk:
        raise _refuse(_("This post is not in this activation."), code="foreign_post")
    place_name = place_name.strip()
    if location is None:
        if not place_name:
            raise _refuse(
                _("Give a commune or a point on the map."), code="missing_area"
            )
        place = selectors.place_find(name=place_name)
        if place is None:
            raise _refuse(
                _("Unknown commune “%(name)s”: check the spelling or give a point.")
                % {"name": place_name},
                code="unknown_place",
            )
        location = place.location
        place_name = place.name
    duplicate = AidEntry.objects.filter(
        activation=activation,
        created_by=by,
        kind=kind,
        category=category,
        description=text,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    ).first()
    if duplicate is not None:
        logger.info("aid entry %s submitted twice, kept once", duplicate.pk)
        return duplicate
    entry = AidEntry(
        activation=activation,
        kind=kind,
        category=category,
        description=text,
        location=location,
        radius_m=radius_m,
        place_name=place_name,
        source_post=source_post,
        source_url=source_post.url if source_post is not None else "",
        expires_at=timezone.now() + AID_LIFETIME,
        created_by=by,
    )
    try:
        entry.full_clean()
    except ValidationError as exc:
        raise _refuse(_validation_message(exc), code="invalid_entry") from exc
    entry.save()
    log(
        activation=activation,
        author=by,
        text=_("Mutual aid: %(entry)s recorded.") % {"entry": str(entry)},
    )
    return entry


def _locked(activation: Activation, *ids: int) -> dict[int, AidEntry]:
    """The entries, locked in id order (two matches crossing cannot deadlock)."""
    rows = (
        AidEntry.objects.select_for_update()
        .filter(activation=activation, pk__in=ids)
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def _is_live(entry: AidEntry, now: dt.datetime) -> bool:
    return entry.status == Status.OPEN and entry.expires_at > now


@transaction.atomic
def aid_entry_match(
    *,
    activation: Activation,
    by: User,
    entry_id: int,
    other_id: int,
    version: int | None = None,
) -> AidEntry:
    """Match a need with an offer: both open and unexpired, same activation and
    category. Both rows are locked; a second submission finds them matched and is
    refused (409). Returns the entry `entry_id`."""
    if entry_id == other_id:
        raise _refuse(_("An entry cannot be matched with itself."), code="same_entry")
    rows = _locked(activation, entry_id, other_id)
    entry, other = rows.get(entry_id), rows.get(other_id)
    if entry is None or other is None:
        raise _refuse(_("This entry is not on this board."), code="unknown_entry")
    _check_version(entry.version, version, _("entry"))
    now = timezone.now()
    if Status.MATCHED in (entry.status, other.status) and (
        entry.matched_with_id == other.pk
    ):
        raise _refuse(
            _("These entries are already matched."),
            code="already_matched",
            conflict=True,
        )
    for row in (entry, other):
        if not _is_live(row, now):
            raise _refuse(
                _("%(entry)s is %(status)s: only open entries can be matched.")
                % {
                    "entry": str(row),
                    "status": (
                        Status.EXPIRED.label
                        if row.status == Status.OPEN
                        else row.get_status_display()
                    ).lower(),
                },
                code="not_open",
                conflict=row.status == Status.MATCHED,
            )
    if entry.kind == other.kind:
        raise _refuse(
            _("Match a need with an offer, not two entries of the same kind."),
            code="same_kind",
        )
    if entry.category != other.category:
        raise _refuse(
            _("A need and an offer of different categories cannot be matched."),
            code="other_category",
        )
    for row, partner in ((entry, other), (other, entry)):
        row.status = Status.MATCHED
        row.matched_with = partner
        row.status_changed_at = now
        row.version += 1
    entry.save(
        update_fields=[
            "status",
            "matched_with",
            "status_changed_at",
            "version",
            "updated_at",
        ]
    )
    other.save(
        update_fields=[
            "status",
            "matched_with",
            "status_changed_at",
            "version",
            "updated_at",
        ]
    )
    need, offer = (entry, other) if entry.kind == AidEntry.Kind.NEED else (other, entry)
    log(
        activation=activation,
        author=by,
        text=_("Mutual aid: need #%(need)s matched with offer #%(offer)s.")
        % {"need": need.pk, "offer": offer.pk},
    )
    return entry


# Where each status may go by hand (expiry is the task's).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.FULFILLED, Status.CLOSED}),
    Status.MATCHED: frozenset({Status.OPEN, Status.FULFILLED, Status.CLOSED}),
    Status.EXPIRED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.FULFILLED: frozenset(),
    Status.CLOSED: frozenset(),
}


@transaction.atomic
def aid_entry_update_status(
    *,
    activation: Activation,
    by: User,
    entry_id: int,
    status: str,
    version: int | None = None,
) -> AidEntry:
    """Change an entry's status, and its partner's when matched: fulfilled fulfils
    both, back to open or closed releases the partner (open again). Reopening an
    expired entry gives it another 48 hours."""
    current = _locked(activation, entry_id).get(entry_id)
    if current is None:
        raise _refuse(_("This entry is not on this board."), code="unknown_entry")
    partner_id = current.matched_with_id
    rows = (
        _locked(activation, entry_id, partner_id) if partner_id else {entry_id: current}
    )
    entry = rows[entry_id]
    _check_version(entry.version, version, _("entry"))
    if status == entry.status:
        raise _refuse(
            _("This entry is already %(status)s.")
            % {"status": entry.get_status_display().lower()},
            code="same_status",
            conflict=True,
        )
    if status not in TRANSITIONS.get(entry.status, frozenset()):
        raise _refuse(
            _("An entry %(current)s cannot become %(status)s.")
            % {
                "current": entry.get_status_display().lower(),
                "status": Status(status).label.lower()
                if status in Status.values
                else status,
            },
            code="bad_transition",
        )
    now = timezone.now()
    partner = rows.get(partner_id) if partner_id else None
    changed = [entry]
    entry.status = status
    entry.status_changed_at = now
    if status == Status.OPEN:
        entry.expires_at = max(entry.expires_at, now + AID_LIFETIME)
    if partner is not None:
        changed.append(partner)
        partner.status_changed_at = now
        if status == Status.FULFILLED:
            partner.status = Status.FULFILLED
        else:  # released: the partner is open again, neither points to the other
            partner.status = Status.OPEN
            partner.expires_at = max(partner.expires_at, now + AID_LIFETIME)
            partner.matched_with = None
            entry.matched_with = None
    for row in changed:
        row.version += 1
        row.save(
            update_fields=[
                "status",
                "status_changed_at",
                "expires_at",
                "matched_with",
                "version",
                "updated_at",
            ]
        )
    log(
        activation=activation,
        author=by,
        text=_("Mutual aid: %(entry)s is now %(status)s.")
        % {"entry": str(entry), "status": entry.get_status_display().lower()},
    )
    return entry


def aid_entries_expire(*, now: dt.datetime | None = None) -> int:
    """Mark open entries past their expiry as expired (one conditional UPDATE:
    idempotent, and a match made meanwhile is left alone). Returns how many."""
    now = now or timezone.now()
    count = AidEntry.objects.filter(status=Status.OPEN, expires_at__lte=now).update(
        status=Status.EXPIRED, status_changed_at=now, updated_at=now
    )
    if count:
        logger.info("%s aid entries expired", count)
    return count
