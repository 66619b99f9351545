"""The French demo: a VOST association, a fire and rescue service, an agreement and
the exercise activation `demo` with its roster and log. Idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from activations import services
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Contact,
    LogEntry,
    Mission,
    Organisation,
    OrganisationMember,
    Shift,
    ShiftAssignment,
    VolunteerLanguage,
    VolunteerProfile,
)

logger = logging.getLogger(__name__)

DEMO_SLUG = "demo"

# The Hérault department, simplified (lon, lat).
HERAULT = (
    (2.54, 43.42),
    (2.87, 43.30),
    (3.24, 43.21),
    (3.51, 43.27),
    (3.72, 43.40),
    (3.97, 43.51),
    (4.19, 43.56),
    (4.19, 43.69),
    (3.99, 43.82),
    (3.80, 43.96),
    (3.45, 43.99),
    (3.26, 43.92),
    (3.05, 43.83),
    (2.73, 43.73),
    (2.57, 43.60),
    (2.54, 43.42),
)
# Montpellier and the lower Lez and Mosson valleys.
LEZ_VALLEY = (
    (3.78, 43.55),
    (3.98, 43.53),
    (4.02, 43.62),
    (3.95, 43.70),
    (3.80, 43.69),
    (3.78, 43.55),
)

# username -> (organisation role, activation role, skills, languages)
TEAM = {
    "coordinateur": (
        "coordinator",
        "coordinator",
        ["coordination", "monitoring"],
        [("fr", "native"), ("en", "fluent")],
    ),
    "chef-equipe": (
        "member",
        "team_lead",
        ["verification", "geolocation", "monitoring"],
        [("fr", "native"), ("es", "working")],
    ),
    "benevole": (
        "member",
        "volunteer",
        ["monitoring", "verification"],
        [("fr", "native")],
    ),
    "volunteer": (
        "member",
        "volunteer",
        ["monitoring", "translation"],
        [("en", "native"), ("fr", "working")],
    ),
    "observateur": ("member", "observer", ["communication"], [("fr", "native")]),
}


def _multipolygon(ring: tuple[tuple[float, float], ...]) -> MultiPolygon:
    return MultiPolygon(Polygon(ring), srid=4326)


@transaction.atomic
def demo_seed() -> Activation:
    """Create what is missing of the demo; top up the roster when its shifts are past."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[*TEAM, "liaison", "admin"])
    }
    team, _ = Organisation.objects.get_or_create(
        name="ESOV Démo Occitanie",
        kind=Organisation.Kind.VOST_TEAM,
        defaults={
            "short_name": "ESOV-OC",
            "description": "Association de volontaires en soutien opérationnel virtuel (démonstration).",
            "email": "contact@esov-demo.invalid",
            "max_hours_per_24h": 8,
        },
    )
    sdis, _ = Organisation.objects.get_or_create(
        name="Service départemental d'incendie et de secours de l'Hérault (démo)",
        kind=Organisation.Kind.FIRE_RESCUE,
        defaults={
            "short_name": "SDIS 34 (démo)",
            "managed_by": team,
            "phone": "+33 4 00 00 00 00",
        },
    )
    prefecture, _ = Organisation.objects.get_or_create(
        name="Préfecture de l'Hérault (démo)",
        kind=Organisation.Kind.PREFECTURE,
        defaults={"short_name": "Préf. 34 (démo)", "managed_by": team},
    )
    if not sdis.contacts.exists():
        Contact.objects.create(
            organisation=sdis,
            name="CTA-CODIS 34",
            role="Centre opérationnel",
            phone="+33 4 00 00 00 18",
            hours="24/7",
        )

    for username, (org_role, _role, skills, languages) in TEAM.items():
        user = users.get(username)
        if user is None:
            continue
        OrganisationMember.objects.get_or_create(
            organisation=team, user=user, defaults={"role": org_role}
        )
        profile, created = VolunteerProfile.objects.get_or_create(
            user=user,
            defaults={
                "skills": skills,
                "training_level": VolunteerProfile.Training.CONFIRMED,
                "availability_notes": "Soirs et week-ends.",
            },
        )
        if created:
            for code, level in languages:
                VolunteerLanguage.objects.create(
                    profile=profile, language=code, level=level
                )
        if not profile.charter_accepted:
            services.charter_accept(user=user)
    if "liaison" in users:
        OrganisationMember.objects.get_or_create(
            organisation=sdis,
            user=users["liaison"],
            defaults={
                "role": OrganisationMember.Role.LIAISON,
                "title": "Officier communication",
            },
        )

    today = timezone.localdate()
    agreement, created = Agreement.objects.get_or_create(
        reference="CONV-ESOV-SDIS34-DEMO",
        defaults={
            "title": "Convention de partenariat ESOV / SDIS 34",
            "vost_team": team,
            "authority": sdis,
            "status": Agreement.Status.ACTIVE,
            "signed_on": today - dt.timedelta(days=320),
            "valid_from": today - dt.timedelta(days=300),
            "valid_until": today + dt.timedelta(days=430),
            "missions": list(Mission.values),
            "territory": _multipolygon(HERAULT),
            "retention_days": 180,
            "activation_procedure": (
                "Le CODIS appelle le coordinateur d'astreinte de l'ESOV, puis confirme par courriel. "
                "L'ESOV accuse réception sous 30 minutes et ouvre l'activation."
            ),
        },
    )
    if created:
        Contact.objects.bulk_create(
            [
                Contact(
                    agreement=agreement,
                    kind=Contact.Kind.LIAISON,
                    position=1,
                    name="Cne Nadia Bernard",
                    role="Officier communication",
                    phone="+33 6 00 00 00 01",
                    email="liaison@sdis34-demo.invalid",
                    hours="8h-20h",
                ),
                Contact(
                    agreement=agreement,
                    kind=Contact.Kind.ESCALATION,
                    position=1,
                    name="Chef de salle CODIS",
                    role="Urgence vitale",
                    phone="+33 4 00 00 00 18",
                    hours="24/7",
                ),
                Contact(
                    agreement=agreement,
                    kind=Contact.Kind.ESCALATION,
                    position=2,
                    name="Officier CODIS",
                    role="Si le chef de salle ne répond pas",
                    phone="+33 4 00 00 00 19",
                    hours="24/7",
                ),
            ]
        )
    Agreement.objects.get_or_create(
        reference="CONV-ESOV-PREF34-DEMO",
        defaults={
            "title": "Convention ESOV / Préfecture (à renouveler)",
            "vost_team": team,
            "authority": prefecture,
            "status": Agreement.Status.ACTIVE,
            "signed_on": today - dt.timedelta(days=700),
            "valid_from": today - dt.timedelta(days=690),
            "valid_until": today + dt.timedelta(days=20),
            "missions": [Mission.MONITORING, Mission.RELAY, Mission.REPORTING],
            "territory": _multipolygon(HERAULT),
            "retention_days": 90,
        },
    )

    activation = Activation.objects.filter(slug=DEMO_SLUG).first()
    coordinator = users.get("coordinateur")
    if activation is None:
        activation = Activation.objects.create(
            slug=DEMO_SLUG,
            title="Exercice « Lez 2026 » — épisode méditerranéen",
            kind=Activation.Kind.EXERCISE,
            status=Activation.Status.ACTIVE,
            agreement=agreement,
            lead_team=team,
            authority=sdis,
            requester_name="Cne Nadia Bernard (SDIS 34)",
            requester_contact="liaison@sdis34-demo.invalid",
            missions=[
                Mission.MONITORING,
                Mission.VERIFICATION,
                Mission.MAPPING,
                Mission.REPORTING,
            ],
            area=_multipolygon(LEZ_VALLEY),
            objectives=(
                "Repérer les signalements de personnes en difficulté, les routes coupées et les "
                "rumeurs ; cartographier les observations vérifiées ; point de situation toutes les 4 h."
            ),
            escalation_criteria="Toute personne en danger (toit, véhicule, eau montante) : appel immédiat du CODIS.",
            report_cadence_hours=4,
            languages=["fr", "en"],
            timezone="Europe/Paris",
            requested_at=timezone.now() - dt.timedelta(hours=3),
            activated_at=timezone.now() - dt.timedelta(hours=2, minutes=45),
        )
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    activation=activation,
                    author=coordinator,
                    kind=LogEntry.Kind.STATUS,
                    at=timezone.now() - dt.timedelta(hours=3),
                    text="Demande d'activation reçue du CODIS 34 (exercice).",
                ),
                LogEntry(
                    activation=activation,
                    author=coordinator,
                    kind=LogEntry.Kind.DECISION,
                    at=timezone.now() - dt.timedelta(hours=2, minutes=45),
                    text="Activation ouverte. Veille sur X, Mastodon et Bluesky ; mots-clés #Montpellier #Lez #inondation.",
                ),
                LogEntry(
                    activation=activation,
                    author=users.get("chef-equipe"),
                    kind=LogEntry.Kind.NOTE,
                    at=timezone.now() - dt.timedelta(hours=1, minutes=10),
                    text="Rumeur de rupture de digue à Lattes : non confirmée, vérification en cours.",
                ),
            ]
        )
    for username, (_org, role, _skills, _languages) in TEAM.items():
        if username in users:
            ActivationMember.objects.get_or_create(
                activation=activation,
                user=users[username],
                defaults={"role": role, "added_by": coordinator},
            )
    if "liaison" in users:
        ActivationMember.objects.get_or_create(
            activation=activation,
            user=users["liaison"],
            defaults={"role": ActivationMember.Role.LIAISON, "added_by": coordinator},
        )
    _top_up_roster(activation, users)
    # the monitoring app's part of the demo: the exercise replay
    from monitoring.demo import demo_replay_seed

    demo_replay_seed(activation)
    return activation


def _top_up_roster(activation: Activation, users: dict[str, User]) -> None:
    """Four-hour shifts for the next three days; nights left open to show coverage gaps."""
    now = timezone.now()
    if activation.shifts.filter(ends_at__gt=now + dt.timedelta(hours=48)).exists():
        return
    local_now = timezone.localtime(now, activation.tz)
    first_start = local_now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(
        hours=1
    )
    for block in range(
        18
    ):  # 18 x 4 h = 72 h; shifts starting between 0:00 and 6:00 are left out
        start = first_start + dt.timedelta(hours=4 * block)
        if 0 <= start.hour < 6:
            continue
        end = start + dt.timedelta(hours=4)
        if activation.shifts.filter(starts_at__lt=end, ends_at__gt=start).exists():
            continue
        Shift.objects.create(
            activation=activation,
            title="Veille et vérification",
            starts_at=start,
            ends_at=end,
            required_skills=["monitoring"],
            headcount=3 if 8 <= start.hour < 20 else 2,
        )
    current = activation.shifts.filter(starts_at__lte=now, ends_at__gt=now).first()
    if (
        current
        and "benevole" in users
        and not current.assignments.filter(user=users["benevole"]).exists()
    ):
        assignment = ShiftAssignment.objects.create(
            shift=current,
            user=users["benevole"],
            source=ShiftAssignment.Source.SIGNED_UP,
            period=(current.starts_at, current.ends_at),
            checked_in_at=current.starts_at,
        )
        logger.info("demo: %s on duty", assignment.user)
    # Staff the next shifts in turn; some remain short, as in real life.
    people = [
        users[u]
        for u in ("volunteer", "chef-equipe", "benevole", "coordinateur")
        if u in users
    ]
    upcoming = list(
        activation.shifts.filter(starts_at__gt=now).order_by("starts_at")[:9]
    )
    for index, shift in enumerate(upcoming):
        for offset in range(2 if shift.headcount > 1 else 1):
            user = people[(index + offset) % len(people)] if people else None
            if (
                user is None
                or ShiftAssignment.objects.filter(
                    user=user,
                    shift__starts_at__lt=shift.ends_at,
                    shift__ends_at__gt=shift.starts_at,
                ).exists()
            ):
                continue
            ShiftAssignment.objects.create(
                shift=shift,
                user=user,
                source=ShiftAssignment.Source.SIGNED_UP,
                period=(shift.starts_at, shift.ends_at),
            )
