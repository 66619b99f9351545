"""Demo data of the help to the population: the reply library, the demo's reply
values and a few needs and offers around Montpellier (idempotent)."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import translation

from accounts.models import User
from activations.models import Activation
from publichelp import services
from publichelp.models import AidEntry, ReplyValues

_ENTRIES = [
    (
        "need",
        "shelter",
        "Famille de 4 à reloger pour la nuit, quartier Près d'Arènes",
        3.8850,
        43.5940,
        "Montpellier",
    ),
    (
        "offer",
        "shelter",
        "Chambre d'amis disponible pour 2 à 4 personnes, 2 nuits",
        3.9100,
        43.5700,
        "Lattes",
    ),
    (
        "need",
        "animals",
        "Chien à faire garder, propriétaire évacué",
        3.8600,
        43.6300,
        "Montpellier",
    ),
    (
        "offer",
        "transport",
        "Minibus 8 places avec chauffeur pour évacuation",
        3.9300,
        43.6400,
        "Castelnau-le-Lez",
    ),
    (
        "need",
        "food_water",
        "Eau en bouteille pour une résidence de personnes âgées",
        3.8400,
        43.6000,
        "Montpellier",
    ),
    (
        "offer",
        "food_water",
        "Palette d'eau en bouteille, à retirer sur place",
        3.8700,
        43.6100,
        "Montpellier",
    ),
]


def demo_publichelp_seed(activation: Activation, users: dict[str, User]) -> None:
    """Idempotent: the library always; values and entries once."""
    services.reply_library_seed()
    lead, volunteer = users.get("chef-equipe"), users.get("benevole")
    if lead is None or volunteer is None:
        return
    with translation.override("fr"), transaction.atomic():
        if not ReplyValues.objects.filter(activation=activation).exists():
            services.reply_values_save(
                activation=activation,
                by=lead,
                official_url="https://www.herault.gouv.fr/",
                emergency_number="112",
                shelter="Gymnase Jean-Bouin, avenue de la Pompignane, Montpellier",
                authority="Préfecture de l'Hérault",
            )
        if AidEntry.objects.filter(activation=activation).exists():
            return
        for kind, category, description, lon, lat, place in _ENTRIES:
            services.aid_entry_create(
                activation=activation,
                by=volunteer,
                kind=kind,
                category=category,
                description=description,
                location=Point(lon, lat, srid=4326),
                place_name=place,
            )
