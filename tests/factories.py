"""factory_boy factories for the project's models."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    Mission,
    Organisation,
    OrganisationMember,
    Shift,
    ShiftAssignment,
    VolunteerProfile,
)

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    # English, so that assertions on messages hold once French catalogues are complete;
    # French rendering is tested explicitly (tests/test_i18n.py).
    language = "en"
    timezone = "Europe/Paris"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- activations ---------------------------------------------------------------
def square(lon: float, lat: float, half: float) -> MultiPolygon:
    """A lon/lat square of half-side `half` degrees, as a MultiPolygon in EPSG:4326."""
    ring = (
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


# Hérault, roughly, and the Montpellier area inside it
TERRITORY = square(3.5, 43.6, 0.6)
AREA = square(3.88, 43.61, 0.1)
FAR_AWAY = square(-1.55, 47.22, 0.1)  # Nantes


class VostTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"ESOV Test {n}")
    short_name = factory.Sequence(lambda n: f"ESOV{n}")
    kind = Organisation.Kind.VOST_TEAM


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"SDIS Test {n}")
    short_name = factory.Sequence(lambda n: f"SDIS{n}")
    kind = Organisation.Kind.FIRE_RESCUE
    managed_by = factory.SubFactory(VostTeamFactory)


class OrganisationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMember

    organisation = factory.SubFactory(VostTeamFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganisationMember.Role.MEMBER


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    reference = factory.Sequence(lambda n: f"CONV-2026-{n:03d}")
    title = "Convention de partenariat"
    vost_team = factory.SubFactory(VostTeamFactory)
    authority = factory.SubFactory(
        AuthorityFactory, managed_by=factory.SelfAttribute("..vost_team")
    )
    status = Agreement.Status.ACTIVE
    signed_on = factory.LazyFunction(
        lambda: timezone.localdate() - dt.timedelta(days=40)
    )
    valid_from = factory.LazyFunction(
        lambda: timezone.localdate() - dt.timedelta(days=30)
    )
    valid_until = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=335)
    )
    missions = factory.LazyFunction(lambda: list(Mission.values))
    territory = factory.LazyFunction(lambda: TERRITORY.clone())
    retention_days = 90


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerProfile

    user = factory.SubFactory(UserFactory)
    skills = factory.LazyFunction(lambda: ["monitoring", "verification"])
    training_level = VolunteerProfile.Training.CONFIRMED
    charter_version = "2026-1"
    charter_accepted_at = factory.LazyFunction(timezone.now)


class ActivationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activation

    slug = factory.Sequence(lambda n: f"act-{n}")
    title = factory.Sequence(lambda n: f"Inondations test {n}")
    kind = Activation.Kind.CRISIS
    status = Activation.Status.ACTIVE
    agreement = factory.SubFactory(AgreementFactory)
    lead_team = factory.SelfAttribute("agreement.vost_team")
    authority = factory.SelfAttribute("agreement.authority")
    missions = factory.LazyFunction(lambda: ["monitoring", "verification"])
    area = factory.LazyFunction(lambda: AREA.clone())
    languages = factory.LazyFunction(lambda: ["fr", "en"])
    activated_at = factory.LazyFunction(timezone.now)


class ActivationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivationMember

    activation = factory.SubFactory(ActivationFactory)
    user = factory.SubFactory(UserFactory)
    role = ActivationMember.Role.VOLUNTEER


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    activation = factory.SubFactory(ActivationFactory)
    title = "Veille"
    starts_at = factory.LazyFunction(
        lambda: (
            timezone.now().replace(minute=0, second=0, microsecond=0)
            + dt.timedelta(hours=1)
        )
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=4))
    headcount = 2


class ShiftAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftAssignment

    shift = factory.SubFactory(ShiftFactory)
    user = factory.SubFactory(UserFactory)
    source = ShiftAssignment.Source.SIGNED_UP
    period = factory.LazyAttribute(lambda a: (a.shift.starts_at, a.shift.ends_at))


class LogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LogEntry

    activation = factory.SubFactory(ActivationFactory)
    author = factory.SubFactory(UserFactory)
    kind = LogEntry.Kind.NOTE
    text = factory.Sequence(lambda n: f"Point de situation {n}")


def make_member(
    activation: Activation, role: str, **user_fields: object
) -> ActivationMember:
    """A person with `role` in `activation`, set up as the rules require.

    VOST-side roles are members of the lead team with the charter accepted;
    liaisons belong to the authority. Coordinators also coordinate the lead team.
    """
    user = UserFactory(**user_fields)
    if role == ActivationMember.Role.LIAISON:
        OrganisationMemberFactory(
            organisation=activation.authority,
            user=user,
            role=OrganisationMember.Role.LIAISON,
        )
    else:
        OrganisationMemberFactory(
            organisation=activation.lead_team,
            user=user,
            role=(
                OrganisationMember.Role.COORDINATOR
                if role == ActivationMember.Role.COORDINATOR
                else OrganisationMember.Role.MEMBER
            ),
        )
        VolunteerProfileFactory(user=user)
    return ActivationMemberFactory(activation=activation, user=user, role=role)


ALL_ROLES = [
    ActivationMember.Role.COORDINATOR,
    ActivationMember.Role.TEAM_LEAD,
    ActivationMember.Role.VOLUNTEER,
    ActivationMember.Role.LIAISON,
    ActivationMember.Role.OBSERVER,
]


# --- monitoring: queue items ------------------------------------------------------
_item_counter = itertools.count(1)


def make_item(
    activation: Any,
    *,
    text: str = "",
    lang: str = "fr",
    priority: float = 0.5,
    category: str = "other_relevant",
    copies: int = 1,
    **post_fields: Any,
) -> Any:
    """A triage queue item: a Cluster with `copies` posts (the first is the
    representative), written straight to the database (no pipeline)."""
    from django.contrib.gis.geos import Point

    from monitoring.models import Cluster, Platform, Post

    now = timezone.now()
    n = next(_item_counter)
    cluster = Cluster.objects.create(
        activation=activation,
        size=copies,
        first_seen_at=now - dt.timedelta(minutes=5),
        last_seen_at=now,
        category=category,
        priority=priority,
        lang=lang,
    )
    posts = []
    for copy in range(copies):
        values: dict[str, Any] = {
            "activation": activation,
            "platform": Platform.MASTODON,
            "external_id": f"item-{n}-{copy}",
            "url": f"https://mastodon.example/@witness{n}/{copy}",
            "author_handle": f"@witness{n}_{copy}@mastodon.example",
            "author_name": f"Witness {n}",
            "author_meta": {"followers": 120 + copy, "verified": False},
            "text": text or f"Rue inondée au centre, l'eau monte vite (item {n})",
            "lang": lang,
            "posted_at": now - dt.timedelta(minutes=5 - min(copy, 4)),
            "received_at": now,
            "location": Point(3.88, 43.61, srid=4326),
            "location_source": Post.LocationSource.GEOPARSED,
            "place_name": "Montpellier",
            "in_area": True,
            "category": category,
            "priority": priority,
            "cluster": cluster,
        }
        values.update(post_fields if copy == 0 else {})
        posts.append(Post.objects.create(**values))
    cluster.representative = posts[0]
    cluster.save(update_fields=["representative"])
    return cluster


def make_map_item(
    activation: Any,
    *,
    lon: float = 3.8767,
    lat: float = 43.6108,
    category: str = "infrastructure",
    verification: str = "verified",
    urgent: bool = False,
    observed_at: Any = None,
    summary: str = "",
    platform: str = "mastodon",
    author_handle: str = "@witness@mastodon.example",
    **fields: Any,
) -> Any:
    """A map item on a fresh queue item, written straight to the read model
    (mapping.sync is tested on its own)."""
    from django.contrib.gis.geos import Point

    from mapping.models import MapItem
    from mapping.sync import mercator

    cluster = make_item(activation, category=category)
    mx, my = mercator(lon, lat)
    return MapItem.objects.create(
        activation=activation,
        cluster=cluster,
        location=Point(lon, lat, srid=4326),
        mx=mx,
        my=my,
        category=category,
        verification=verification,
        urgent=urgent,
        platform=platform,
        observed_at=observed_at or timezone.now(),
        summary=summary or cluster.representative.text,
        author_handle=author_handle,
        post_url=cluster.representative.url,
        **fields,
    )
