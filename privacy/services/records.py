"""The record of processing of an activation: made with defaults the first time,
edited by coordinators."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation, LogEntry, Mission
from activations.services._common import log
from privacy.models import EDITABLE, MAX_FIELD, ProcessingRecord
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)


def record_defaults(activation: Activation) -> dict[str, str]:
    """What the agreement and the activation say, as the record's first text."""
    agreement = activation.agreement
    missions = list(activation.missions or agreement.missions or [])
    labels = dict(Mission.choices)
    purposes = [
        _("Situational awareness for %(authority)s during %(title)s.")
        % {"authority": activation.authority.name, "title": activation.title}
    ] + [f"- {labels.get(m, m)}" for m in missions]
    return {
        "controller": _(
            "%(authority)s (controller), which asked the VOST team %(team)s to act "
            "on its behalf under the agreement %(reference)s."
        )
        % {
            "authority": activation.authority.name,
            "team": activation.lead_team.name,
            "reference": agreement.reference,
        },
        "processors": _(
            "%(team)s (volunteers of the activation); the hosting provider of this hub."
        )
        % {"team": activation.lead_team.name},
        "legal_basis": _(
            "Task carried out in the public interest (GDPR article 6(1)(e)) by the "
            "authority, delegated by the agreement %(reference)s valid from "
            "%(start)s to %(end)s."
        )
        % {
            "reference": agreement.reference,
            "start": agreement.valid_from.isoformat(),
            "end": agreement.valid_until.isoformat(),
        },
        "purposes": "\n".join(purposes),
        "data_categories": _(
            "Public posts about the event: text, links to media, time, location "
            "(geotag or place names), the author's handle, display name and public "
            "profile figures. Official alerts. Team members' accounts, roles and "
            "shifts."
        ),
        "data_subjects": _(
            "Authors of public posts about the event and people mentioned in them; "
            "members of the team; the authority's liaisons."
        ),
        "recipients": _(
            "Members of the activation according to their role; the authority's "
            "liaisons see verified items, reports and map exports with authors "
            "pseudonymised; the public sees only relayed official messages."
        ),
        "transfers": _("None: the hub and its backups are hosted in the EU."),
        "security_measures": _(
            "Access by activation role through one permission layer; two-factor "
            "authentication for coordinators; session timeouts; authors "
            "pseudonymised by keyed hash for liaisons and in exports; exports kept "
            "7 days outside the web root; automatic retention purge; platform "
            "deletions honoured within one hour; audit trail."
        ),
    }


def _field_label(name: str) -> str:
    field = ProcessingRecord._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _language(activation: Activation) -> str:
    languages = list(getattr(activation, "languages", None) or [])
    return languages[0] if languages else settings.LANGUAGE_CODE


def processing_record_get(*, activation: Activation) -> ProcessingRecord:
    """The activation's record, made with the defaults if it has none yet."""
    record = ProcessingRecord.objects.filter(activation=activation).first()
    if record is not None:
        return record
    with translation.override(_language(activation)):
        defaults = record_defaults(activation)
    try:
        with transaction.atomic():
            record, _created = ProcessingRecord.objects.get_or_create(
                activation=activation, defaults=defaults
            )
    except IntegrityError:  # made meanwhile by another request
        record = ProcessingRecord.objects.get(activation=activation)
    return record


@transaction.atomic
def processing_record_update(
    *,
    activation: Activation,
    by: User,
    values: dict[str, str],
    version: int | None = None,
) -> ProcessingRecord:
    """Save the coordinator's edits (callers checked MANAGE_PROCESSING_RECORD).
    A stale version (someone saved meanwhile) raises ConflictError."""
    processing_record_get(activation=activation)
    record = ProcessingRecord.objects.select_for_update().get(activation=activation)
    changed = []
    for name in EDITABLE:
        if name not in values:
            continue
        value = str(values[name]).strip()
        if len(value) > MAX_FIELD:
            raise DomainError(
                _("Each field is limited to %(max)s characters.") % {"max": MAX_FIELD},
                code="invalid",
            )
        if name not in ("controller", "processors", "transfers", "notes") and not value:
            raise DomainError(
                _("%(field)s cannot be empty.") % {"field": _field_label(name)},
                code="invalid",
            )
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    if not changed:
        return record
    if version is not None and version != record.version:
        raise ConflictError(
            _(
                "Someone else changed the record of processing meanwhile. Reload "
                "the page and try again."
            )
        )
    record.version += 1
    record.updated_by = by
    record.full_clean()
    record.save()
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Record of processing updated."),
    )
    logger.info("record of processing of %s updated: %s", activation.pk, changed)
    return record
