"""Organisations (VOST teams, authorities), their people and contacts."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Contact,
    Organisation,
    OrganisationMember,
)
from activations.services._common import _clean
from audit import services as audit
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


@transaction.atomic
def organisation_create(
    *, by: User, managed_by: Organisation | None, **fields: Any
) -> Organisation:
    """Create a VOST team (its creator becomes its coordinator) or an authority managed by a team."""
    organisation = Organisation(**fields)
    if organisation.kind == Organisation.Kind.VOST_TEAM:
        organisation.managed_by = None
    else:
        if managed_by is None:
            raise DomainError(
                _("An authority must be recorded by one of your VOST teams.")
            )
        organisation.managed_by = managed_by
    _clean(organisation)
    organisation.save()
    if organisation.kind == Organisation.Kind.VOST_TEAM:
        creator = OrganisationMember.objects.create(
            organisation=organisation, user=by, role=OrganisationMember.Role.COORDINATOR
        )
        audit.record(
            action=audit.Action.PERMISSION_CHANGE,
            actor=by,
            organisation=organisation,
            obj=creator,
            summary=f"team created user={by.pk} role=coordinator",
        )
    logger.info("organisation %s created by user %s", organisation.pk, by.pk)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields: Any) -> Organisation:
    for name, value in fields.items():
        setattr(organisation, name, value)
    _clean(organisation)
    organisation.save()
    return organisation


@transaction.atomic
def organisation_member_set(
    *,
    organisation: Organisation,
    user: User,
    role: str,
    title: str = "",
    by: User | None = None,
) -> OrganisationMember:
    """Add a person to an organisation or change their role there."""
    if (
        organisation.kind != Organisation.Kind.VOST_TEAM
        and role != OrganisationMember.Role.LIAISON
    ):
        raise DomainError(_("People of an authority are recorded as liaisons."))
    if (
        organisation.kind == Organisation.Kind.VOST_TEAM
        and role == OrganisationMember.Role.LIAISON
    ):
        raise DomainError(_("Liaisons belong to an authority, not to a VOST team."))
    current = (
        OrganisationMember.objects.select_for_update()
        .filter(organisation=organisation, user=user)
        .first()
    )
    if (
        current is not None
        and current.role == OrganisationMember.Role.COORDINATOR
        and role != OrganisationMember.Role.COORDINATOR
        and not organisation.members.filter(role=OrganisationMember.Role.COORDINATOR)
        .exclude(pk=current.pk)
        .exists()
    ):
        raise DomainError(_("A team keeps at least one coordinator."))
    member, _created = OrganisationMember.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role, "title": title}
    )
    audit.record(
        action=audit.Action.PERMISSION_CHANGE,
        actor=by,
        organisation=organisation,
        obj=member,
        summary=f"organisation member user={user.pk} role={role} "
        + (f"was={current.role}" if current is not None else "added"),
    )
    return member


@transaction.atomic
def organisation_member_remove(
    *, organisation: Organisation, user: User, by: User | None = None
) -> None:
    member = OrganisationMember.objects.filter(
        organisation=organisation, user=user
    ).first()
    if member is None:
        return
    if (
        member.role == OrganisationMember.Role.COORDINATOR
        and not organisation.members.filter(role=OrganisationMember.Role.COORDINATOR)
        .exclude(pk=member.pk)
        .exists()
    ):
        raise DomainError(_("A team keeps at least one coordinator."))
    audit.record(
        action=audit.Action.PERMISSION_CHANGE,
        actor=by,
        organisation=organisation,
        obj=member,
        summary=f"organisation member user={user.pk} role={member.role} removed",
    )
    member.delete()


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    _clean(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Remove a contact from an address book or an agreement's call list."""
    logger.info("contact %s deleted", contact.pk)
    contact.delete()
