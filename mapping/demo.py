"""The map part of the demo: located reports the demo team triaged and verified
around Montpellier, Lattes and Pérols, the incident they form, and two reference
layers from the prefecture (sectors and shelters). Made through the real services,
as the demo team would; idempotent (nothing is added once the layers exist)."""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from activations.models import Activation
from mapping.models import ReferenceLayer
from mapping.services import incidents, layers
from mapping.sync import map_items_rebuild
from monitoring import services as monitoring_services
from monitoring.models import Platform, Post, TriageDecision
from monitoring.pipeline.types import RawPost
from verification.demo import _decide
from verification.models import Case, Evidence
from verification.services import cases

logger = logging.getLogger(__name__)

# text, author, (lon, lat), category, minutes ago, verified
_REPORTS = [
    (
        "Route de Palavas coupée au niveau du rond-point de Lattes, 50 cm d'eau",
        "Camille B.",
        (3.9031, 43.5672),
        "infrastructure",
        50,
        True,
    ),
    (
        "Lattes : la D986 est fermée, les pompiers dévient la circulation",
        "Info Trafic 34",
        (3.9102, 43.5648),
        "infrastructure",
        42,
        True,
    ),
    (
        "Voiture emportée près du pont de Lattes, personne à bord d'après la police",
        "Marc D.",
        (3.9065, 43.5695),
        "infrastructure",
        35,
        True,
    ),
    (
        "Gymnase de Pérols ouvert pour accueillir les sinistrés, apportez couvertures",
        "Mairie de Pérols",
        (3.9540, 43.5636),
        "displaced",
        30,
        True,
    ),
    (
        "Evacuation du camping des Sablons à Pérols en cours",
        "Sophie L.",
        (3.9601, 43.5582),
        "displaced",
        25,
        True,
    ),
    (
        "Attention, la rue du Faubourg Figuerolles à Montpellier est inondée",
        "Montpellier Actu",
        (3.8692, 43.6082),
        "caution",
        20,
        False,
    ),
    (
        "Coupure de courant quartier Antigone depuis 20 minutes",
        "Léa P.",
        (3.8893, 43.6087),
        "infrastructure",
        18,
        False,
    ),
    (
        "Besoin d'aide pour évacuer une personne âgée à Palavas, avenue St-Maurice",
        "Yann T.",
        (3.9270, 43.5290),
        "request",
        12,
        False,
    ),
]

_SECTORS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Secteur Lez aval", "code": "S1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [3.88, 43.55],
                        [3.97, 43.55],
                        [3.97, 43.60],
                        [3.88, 43.60],
                        [3.88, 43.55],
                    ]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"name": "Secteur Mosson", "code": "S2"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [3.77, 43.59],
                        [3.86, 43.59],
                        [3.86, 43.65],
                        [3.77, 43.65],
                        [3.77, 43.59],
                    ]
                ],
            },
        },
    ],
}
_SHELTERS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Gymnase Colette Besson, Pérols", "capacity": 200},
            "geometry": {"type": "Point", "coordinates": [3.9551, 43.5628]},
        },
        {
            "type": "Feature",
            "properties": {
                "name": "Salle Victoire 2, Saint-Jean-de-Védas",
                "capacity": 400,
            },
            "geometry": {"type": "Point", "coordinates": [3.8331, 43.5745]},
        },
    ],
}


def demo_map_seed(activation: Activation, users: dict[str, User]) -> None:
    """Idempotent: does nothing once the demo activation has reference layers."""
    if ReferenceLayer.objects.filter(activation=activation).exists():
        return
    volunteer, lead = users.get("benevole"), users.get("chef-equipe")
    if volunteer is None or lead is None:
        return
    with translation.override("fr"), transaction.atomic():
        for index, report in enumerate(_REPORTS):
            _report(activation, index, report, volunteer, lead)
        for name, kind, colour, data in (
            (
                "Secteurs opérationnels",
                ReferenceLayer.Kind.SECTORS,
                "#1f78b4",
                _SECTORS,
            ),
            (
                "Centres d'hébergement",
                ReferenceLayer.Kind.SHELTERS,
                "#33a02c",
                _SHELTERS,
            ),
        ):
            layers.layer_create(
                activation=activation,
                by=lead,
                name=name,
                kind=kind,
                colour=colour,
                description="Transmis par la préfecture de l'Hérault (démo).",
                file_name=f"{kind}.geojson",
                data=json.dumps(data).encode(),
            )
    # The services rebuild the map after each commit; the demo needs it now, to
    # group the verified reports into incidents (titled in the team's French).
    map_items_rebuild(activation_id=activation.pk)
    with translation.override("fr"):
        incidents.incidents_propose(activation=activation)
    logger.info("demo: map examples created")


def _report(
    activation: Activation,
    index: int,
    report: tuple[str, str, tuple[float, float], str, int, bool],
    volunteer: User,
    lead: User,
) -> None:
    text, author, geo, category, minutes, verified = report
    external_id = f"demo-map-{index}"
    monitoring_services.posts_ingest(
        activation=activation,
        posts=[
            RawPost(
                platform=Platform.X if index % 2 else Platform.MASTODON,
                external_id=external_id,
                text=text,
                posted_at=timezone.now() - dt.timedelta(minutes=minutes),
                url=f"https://mastodon.example/@demo/map-{index}",
                author_handle=f"@{author.replace(' ', '').replace('.', '').lower()}",
                author_name=author,
                author_meta={"followers": 120 + index * 37, "verified": False},
                lang_hint="fr",
                geo=geo,
            )
        ],
    )
    post = Post.objects.filter(activation=activation, external_id=external_id).first()
    if post is None or post.cluster is None:
        return
    cluster = post.cluster
    if not verified:
        if cluster.status != "done":
            _decide(
                activation,
                cluster,
                volunteer,
                TriageDecision.Kind.RELEVANT,
                "",
                category=category,
            )
        return
    case = cases.case_open(
        activation=activation,
        by=volunteer,
        claim=text,
        cluster=cluster,
        category=category,
    )
    if case.status != Case.Status.UNVERIFIED:
        return
    case = cases.evidence_add(
        case=case,
        by=volunteer,
        kind=Evidence.Kind.CROSS_CHECK,
        finding=Evidence.Finding.SUPPORTS,
        note="Confirmé par deux autres témoins et la page du CODIS 34.",
    ).case
    case.refresh_from_db()
    case = cases.case_propose_verdict(
        case=case,
        by=volunteer,
        status=Case.Status.VERIFIED,
        note="Plusieurs sources concordantes.",
        version=case.version,
    )
    cases.case_review(case=case, by=lead, approve=True, version=case.version)
