"""The world the security tests run against, built once (see conftest.py).

Two activations, A and B, each under its own agreement, lead team and authority,
each holding one object of every kind a URL can name. Principals are people with
a known standing towards activation A; two more coordinators serve the
cross-activation (IDOR) tests: one of A only, one of both A and B.

Numbered objects (cases, rumours, incidents, reports, RFIs) are numbered per
activation: B gets two of each and its URLs name the second, so that B's number
does not exist in A and "A's slug with B's number" is a real cross-activation try.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    Contact,
    LogEntry,
    OrganisationMember,
)
from tests.factories import (
    ActivationFactory,
    OrganisationMemberFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    UserFactory,
    VolunteerProfileFactory,
    make_item,
    make_map_item,
    make_member,
)

Role = ActivationMember.Role
LAYERS = Path(__file__).resolve().parent.parent / "mapping" / "data" / "layers"

# Who asks, by their standing towards activation A.
ANONYMOUS = "anonymous"
OUTSIDER = "outsider"  # logged in, no membership anywhere
STAFF = "staff"  # is_staff, no membership
TEAM_MEMBER = "team_member"  # member of A's lead team, no role in A
AUTHORITY_MEMBER = "authority_member"  # liaison of A's authority, no role in A
ACTIVATION_ROLES = (
    Role.COORDINATOR.value,  # also coordinator of the lead team (make_member)
    Role.TEAM_LEAD.value,
    Role.VOLUNTEER.value,
    Role.LIAISON.value,  # also liaison of the authority organisation
    Role.OBSERVER.value,
)
PRINCIPALS = (
    ANONYMOUS,
    OUTSIDER,
    STAFF,
    TEAM_MEMBER,
    AUTHORITY_MEMBER,
    *ACTIVATION_ROLES,
)


@dataclass
class Side:
    """One activation and its objects, by the name the policies use."""

    activation: Activation
    objects: dict[str, Any] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, User]  # principal name -> user (none for anonymous)
    coordinator_of_a: User
    coordinator_of_both: User


def _layer(activation: Activation, by: User) -> Any:
    from mapping.models import ReferenceLayer
    from mapping.services import layers

    return layers.layer_create(
        activation=activation,
        by=by,
        name="Secteurs",
        kind=ReferenceLayer.Kind.SECTORS,
        description="Fourni par le SDIS",
        colour="#e31a1c",
        shown_by_default=True,
        file_name="sectors.kml",
        data=(LAYERS / "sectors.kml").read_bytes(),
    )


def _populate(side: Side, copies: int) -> None:
    """One object of every kind in the side's activation (`copies` of numbered ones)."""
    from accounts.models import ApiToken
    from accounts.services import api_token_create
    from campaigns import services as campaigns
    from mapping.models import MapExport
    from mapping.services.exports import export_build
    from monitoring.escalations import escalation_raise
    from monitoring.models import TriageDecision
    from onboarding import services as onboarding
    from portal import services as portal
    from privacy.services.requests import subject_request_open
    from publichelp import services as publichelp
    from publichelp.models import Situation
    from relay import services as relay
    from relay.models import Channel
    from reports import services as reports
    from search import services as search
    from tests.mapping.exports_support import make_export, make_incident
    from tests.monitoring.pages_support import make_source
    from tests.publichelp.support import entry
    from tests.signals.support import make_signal
    from tests.verification.cases_support import open_case
    from verification.services import rumours

    activation = side.activation
    people = side.people
    coordinator = people[Role.COORDINATOR]
    lead = people[Role.TEAM_LEAD]
    volunteer = people[Role.VOLUNTEER]
    liaison = people[Role.LIAISON]
    team = activation.lead_team
    objects = side.objects

    objects["organisation"] = activation.authority
    objects["organisation_contact"] = Contact.objects.create(
        organisation=activation.authority, name="Permanence CODIS"
    )
    objects["agreement"] = activation.agreement
    objects["agreement_contact"] = Contact.objects.create(
        agreement=activation.agreement, name="Astreinte préfecture"
    )
    shift = ShiftFactory(activation=activation)
    objects["shift"] = shift
    objects["assignment"] = ShiftAssignmentFactory(shift=shift, user=volunteer)
    objects["log_entry"] = LogEntry.objects.create(
        activation=activation, author=lead, text="Point de situation"
    )
    objects["member"] = volunteer
    objects["source"] = make_source(activation)
    objects["cluster"] = make_item(activation)
    decided = make_item(activation)
    objects["decision"] = TriageDecision.objects.create(
        activation=activation,
        cluster=decided,
        user=volunteer,
        kind=TriageDecision.Kind.RELEVANT,
        previous_status="new",
    )
    objects["escalation"] = escalation_raise(
        cluster=make_item(activation), by=volunteer, note="Enfants avec eux"
    )
    for n in range(copies):
        objects["case"] = open_case(activation, by=volunteer)
        objects["rumour"] = rumours.rumour_create(
            activation=activation, by=lead, claim=f"Le barrage {n} a cédé"
        )
        objects["rfi"] = portal.rfi_ask(
            activation=activation,
            by=liaison,
            question=f"La D{986 + n} est-elle praticable ?",
            due_at=timezone.now() + dt.timedelta(hours=1),
        )
        report = reports.report_compose(activation=activation, by=lead)
        report = reports.report_submit(report=report, by=lead)
        objects["report"] = reports.report_publish(report=report, by=coordinator)
    for number in range(1, copies + 1):
        objects["incident"] = make_incident(activation, number)
    objects["map_item"] = make_map_item(activation)
    objects["map_item_cluster"] = objects["map_item"].cluster
    layer = _layer(activation, lead)
    objects["layer"] = layer
    objects["layer_feature"] = layer.features.order_by("pk").first()
    queued = make_export(activation, by=lead, format=MapExport.Format.GEOJSON)
    objects["export"] = export_build(export_id=queued.pk)
    relay.relay_settings_save(
        activation=activation,
        by=lead,
        channels={c.value: (True, "#Crue34") for c in Channel},
        handles=["prefet34@mastodon.social"],
    )
    message = relay.official_message_create(
        activation=activation, by=liaison, text="Évitez la D986."
    )
    objects["message"] = message
    objects["task"] = message.tasks.order_by("pk").first()
    objects["aid_entry"] = entry(activation, by=volunteer)
    objects["template"] = publichelp.reply_template_save(
        activation=activation,
        by=lead,
        template=None,
        situation=Situation.SHELTER,
        language="fr",
        title="Hébergement",
        body="Le gymnase est ouvert.",
        resource_urls=[],
    )
    objects["saved_search"] = search.saved_search_create(
        activation=activation,
        user=volunteer,
        name="Crue",
        query="inondation",
        filters={},
    )
    objects["signal"] = make_signal(activation)
    prevention = campaigns.prevention_message_create(
        team=team,
        by=coordinator,
        risk="flood",
        language="fr",
        title="Crues",
        text="Ne traversez pas une route inondée.",
    )
    objects["prevention_message"] = prevention
    approved = campaigns.prevention_message_approve(message=prevention, by=lead)
    campaign = campaigns.campaign_create(
        team=team,
        agreement=activation.agreement,
        by=coordinator,
        title="Crues",
        messages=[approved],
        channels=["mastodon"],
        times=[timezone.now() + dt.timedelta(hours=2)],
    )
    objects["campaign"] = campaign
    objects["scheduled_post"] = campaign.posts.order_by("pk").first()
    objects["team"] = team
    invitation, token = onboarding.invitation_create(
        team=team, email=f"new-{activation.slug}@example.org", invited_by=coordinator
    )
    objects["invitation"] = invitation
    objects["invitation_token"] = token
    objects["application"] = onboarding.application_submit(
        team=team,
        name="Camille Martin",
        email=f"camille-{activation.slug}@example.org",
        motivation="Je veux aider.",
    )
    objects["training_record"] = onboarding.training_record_save(
        team=team,
        by=coordinator,
        user=volunteer,
        kind="course",
        title="Veille numérique",
        date=timezone.localdate(),
    )
    objects["api_token"] = api_token_create(
        user=volunteer, name="script", scopes=[ApiToken.Scope.READ]
    ).token
    for n in range(copies):
        objects["subject_request"] = subject_request_open(
            organisation=team,
            by=coordinator,
            kind="access",
            platform="mastodon",
            handle=f"@witness{n}@mastodon.example",
        )
    agreement = activation.agreement
    agreement.signed_document.save(
        "convention.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True
    )
    objects["password_reset"] = (
        urlsafe_base64_encode(force_bytes(volunteer.pk)),
        default_token_generator.make_token(volunteer),
    )


def build_world() -> World:
    a = Side(ActivationFactory(slug="sec-a", title="Crue A"))
    b = Side(ActivationFactory(slug="sec-b", title="Crue B"))
    for side in (a, b):
        for role in ACTIVATION_ROLES:
            side.people[role] = make_member(side.activation, role).user
    users: dict[str, User] = dict(a.people)
    users[OUTSIDER] = UserFactory()
    users[STAFF] = UserFactory(is_staff=True)
    users[TEAM_MEMBER] = OrganisationMemberFactory(
        organisation=a.activation.lead_team, role=OrganisationMember.Role.MEMBER
    ).user
    VolunteerProfileFactory(user=users[TEAM_MEMBER])
    users[AUTHORITY_MEMBER] = OrganisationMemberFactory(
        organisation=a.activation.authority, role=OrganisationMember.Role.LIAISON
    ).user
    coordinator_of_a = a.people[Role.COORDINATOR]
    coordinator_of_both = make_member(a.activation, Role.COORDINATOR).user
    OrganisationMemberFactory(
        organisation=b.activation.lead_team,
        user=coordinator_of_both,
        role=OrganisationMember.Role.COORDINATOR,
    )
    ActivationMember.objects.create(
        activation=b.activation, user=coordinator_of_both, role=Role.COORDINATOR
    )
    _populate(a, copies=1)
    _populate(b, copies=2)
    return World(
        a=a,
        b=b,
        users=users,
        coordinator_of_a=coordinator_of_a,
        coordinator_of_both=coordinator_of_both,
    )
