"""Write monitoring/scenarios/flash_flood_herault.jsonl: the flash-flood exercise.

A Cévenol / Mediterranean episode over Montpellier and the lower Lez and Mosson
valleys (the demo activation's area), two scenario hours, about 500 posts, mostly in
French with some English from tourists, plus the injects for the trainers. All of it
is invented here, from templates written for this script (no third-party data);
handles end in _EX and links point to replay.invalid so nothing can be taken for a
real account or a real page. Deterministic: same seed, same file.

    .venv/bin/python scripts/make_scenario.py [--check]

--check compares the output with the committed file instead of writing it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "monitoring" / "scenarios" / "flash_flood_herault.jsonl"
SEED = 20261014
DURATION_MIN = 120

# name -> (lat, lon); the first group is inside the demo area (activations/demo.py LEZ_VALLEY)
PLACES: dict[str, tuple[float, float]] = {
    "Montpellier": (43.6085, 3.8800),
    "Port Marianne": (43.6010, 3.8990),
    "Près d'Arènes": (43.5930, 3.8830),
    "Antigone": (43.6080, 3.8890),
    "Odysseum": (43.6040, 3.9200),
    "Lattes": (43.5670, 3.9000),
    "Port Ariane": (43.5760, 3.9050),
    "Maurin": (43.5560, 3.8880),
    "Castelnau-le-Lez": (43.6330, 3.9010),
    "Juvignac": (43.6130, 3.8100),
    "Pérols": (43.5650, 3.9530),
    "Saint-Jean-de-Védas": (43.5760, 3.8300),
    "Grabels": (43.6480, 3.8030),
    "Le Crès": (43.6480, 3.9390),
    "Clapiers": (43.6580, 3.8890),
    "Jacou": (43.6610, 3.9120),
    "Montferrier-sur-Lez": (43.6680, 3.8570),
    "Mauguio": (43.6160, 4.0080),
    "aéroport Montpellier-Méditerranée": (43.5762, 3.9630),
    # outside the area
    "Palavas-les-Flots": (43.5280, 3.9300),
    "Lunel": (43.6760, 4.1360),
    "Sommières": (43.7840, 4.0890),
    "Ganges": (43.9340, 3.7080),
    "Clermont-l'Hérault": (43.6270, 3.4320),
    "lac du Salagou": (43.6500, 3.3800),
    "Sète": (43.4030, 3.6930),
    "Nîmes": (43.8370, 4.3600),
    "Anduze": (44.0520, 3.9860),
}
INSIDE = [
    "Montpellier",
    "Port Marianne",
    "Près d'Arènes",
    "Lattes",
    "Castelnau-le-Lez",
    "Juvignac",
    "Pérols",
    "Saint-Jean-de-Védas",
    "Grabels",
    "Le Crès",
    "Clapiers",
    "Jacou",
]
# streets and landmarks per place (generic names, nothing that identifies a real home)
STREETS: dict[str, list[str]] = {
    "Montpellier": [
        "avenue de Palavas",
        "avenue de Toulouse",
        "rue du Pont de Lattes",
        "quai du Verdanson",
        "avenue Pierre Mendès France",
        "rue de la Croix Verte",
    ],
    "Port Marianne": ["avenue Raymond Dugrand", "rue du Bassin"],
    "Près d'Arènes": ["avenue de Maurin", "rue des Tanneurs"],
    "Lattes": [
        "route de Pérols",
        "avenue de Montpellier",
        "chemin des Prés",
        "rue du Lez",
    ],
    "Castelnau-le-Lez": ["avenue de l'Europe", "chemin du Lez", "rue des Platanes"],
    "Juvignac": ["rue des Caunelles", "chemin de la Mosson", "avenue de Lodève"],
    "Pérols": ["route de Carnon", "chemin de l'Étang", "avenue Georges Frêche"],
    "Saint-Jean-de-Védas": ["route de Sète", "rue du Rieucoulon"],
    "Grabels": ["chemin de la Valsière", "rue du Pont"],
    "Le Crès": ["avenue de Nîmes", "chemin du Lac"],
    "Clapiers": ["chemin de la Lironde"],
    "Jacou": ["avenue de Vendargues"],
}
RIVER = {
    "Montpellier": "le Lez",
    "Port Marianne": "le Lez",
    "Près d'Arènes": "le Lez",
    "Lattes": "le Lez",
    "Castelnau-le-Lez": "le Lez",
    "Juvignac": "la Mosson",
    "Grabels": "la Mosson",
    "Saint-Jean-de-Védas": "la Mosson",
    "Pérols": "l'étang",
    "Le Crès": "le Salaison",
    "Clapiers": "la Lironde",
    "Jacou": "le Salaison",
}

OFFICIAL = {
    "Prefet34_EX": "x",
    "SDIS34_EX": "x",
    "VigiMeteo_EX": "x",
    "MairieMontpellier_EX": "x",
    "VilleDeLattes_EX": "mastodon",
    "MairiePerols_EX": "x",
    "Palavas_EX": "x",
    "Castelnau_EX": "bluesky",
    "Enedis_Occitanie_EX": "x",
    "TaM_Info_EX": "x",
    "TER_Occitanie_EX": "x",
    "Police34_EX": "x",
    "Aeroport_MPL_EX": "x",
    "Metropole_Eau_EX": "mastodon",
    "AcMontpellier_EX": "x",
    "AutoroutesSud_EX": "x",
    "CHU_MPL_EX": "x",
}
FIRST = [
    "marie",
    "julien",
    "sophie",
    "karim",
    "laeti",
    "tom",
    "ines",
    "nico",
    "camille",
    "yanis",
    "chloe",
    "benoit",
    "sarah",
    "mehdi",
    "lucie",
    "florian",
    "emma",
    "rachid",
    "pauline",
    "seb",
    "amandine",
    "thomas",
    "nadia",
    "jb",
    "claire",
    "hugo",
    "oceane",
    "fred",
    "manon",
    "alex",
    "elodie",
    "max",
    "jeanne",
    "quentin",
    "soso",
    "leo",
]
SUFFIX = [
    "34",
    "_mtp",
    "_lattes",
    ".oc",
    "_34000",
    "_herault",
    "",
    "_perols",
    "_off",
    "83",
]
TOURISTS = [
    "emily_travels",
    "dan_in_france",
    "sarah.k.uk",
    "mark_onthe_road",
    "lottie_b",
    "jwalker_nz",
    "hannah_abroad",
    "pete_cycles",
    "the_millers_eu",
    "kate_and_rob",
]
EMOJI = ["😱", "🙏", "⚠️", "🌧️", "😰", "💧", "😢", "‼️"]
TAGS = [
    "#inondations",
    "#Montpellier",
    "#Hérault",
    "#VigilanceRouge",
    "#crue",
    "#Lez",
    "#épisodeméditerranéen",
    "#Lattes",
]


@dataclass
class Item:
    t: float
    text: str
    author: str
    platform: str
    lang: str = "fr"
    place: str | None = None  # mentioned place (geotag candidate)
    official: bool = False
    viral: int = 0  # how many reposts / near-copies it attracts
    key: int = field(default=0)
    repost_of: int | None = None
    geotag: bool | None = None  # None: decided at random
    platform_place: str = ""


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (a fixed seed, not security)
        self.items: list[Item] = []
        self.handles: list[str] = []
        for first in FIRST:
            self.handles.append(first + self.rng.choice(SUFFIX))
        self.handles = sorted(dict.fromkeys(self.handles))

    # --- helpers ---------------------------------------------------------------
    def at(self, minute: float, jitter: float = 0.5) -> float:
        t = minute * 60 + self.rng.uniform(-jitter, jitter) * 60
        return round(min(max(t, 5.0), DURATION_MIN * 60 - 5.0), 1)

    def when(self, start: float, end: float) -> float:
        """A time in [start, end) minutes, following the episode's intensity."""
        minutes = list(range(int(start), int(end)))
        weights = [_intensity(m) for m in minutes]
        minute = self.rng.choices(minutes, weights)[0]
        return round(minute * 60 + self.rng.uniform(0, 59.9), 1)

    def citizen(self) -> str:
        return self.rng.choice(self.handles)

    def platform(self) -> str:
        return self.rng.choices(["x", "mastodon", "bluesky"], [65, 15, 20])[0]

    def add(self, item: Item) -> Item:
        item.key = len(self.items) + 1
        self.items.append(item)
        return item

    def post(
        self,
        minute: float | None,
        text: str,
        *,
        window: tuple[float, float] | None = None,
        author: str | None = None,
        lang: str = "fr",
        place: str | None = None,
        viral: int = 0,
        geotag: bool | None = None,
    ) -> Item:
        t = (
            self.at(minute)
            if minute is not None
            else self.when(*(window or (0, DURATION_MIN)))
        )
        return self.add(
            Item(
                t=t,
                text=text,
                author=author or self.citizen(),
                platform=self.platform(),
                lang=lang,
                place=place,
                viral=viral,
                geotag=geotag,
            )
        )

    def official(
        self,
        minute: float,
        author: str,
        text: str,
        *,
        lang: str = "fr",
        viral: int = 0,
        place: str | None = None,
    ) -> Item:
        return self.add(
            Item(
                t=self.at(minute, 0.2),
                text=text,
                author=author,
                platform=OFFICIAL[author],
                lang=lang,
                official=True,
                viral=viral,
                place=place,
                geotag=False,
            )
        )


def _intensity(minute: int) -> float:
    """Posts per minute, relative: slow start, peak, plateau, decline."""
    if minute < 10:
        return 1.0
    if minute < 25:
        return 1.0 + (minute - 10) * 0.3
    if minute < 70:
        return 6.0
    if minute < 95:
        return 4.5
    return 2.5


def fill(template: str, place: str, rng: random.Random) -> str:
    streets = STREETS.get(place, ["le centre"])
    return template.format(
        place=place,
        street=rng.choice(streets),
        river=RIVER.get(place, "le Lez"),
        cm=rng.choice([20, 30, 40, 50, 60, 80]),
        n=rng.choice([2, 3, 4, 5, 6]),
        min=rng.choice([10, 15, 20, 30, 40]),
    )


# --- the story ----------------------------------------------------------------------
def officials(b: Builder) -> None:
    o = b.official
    o(
        1,
        "VigiMeteo_EX",
        "Vigilance ORANGE pluie-inondation et orages sur l'Hérault et le Gard. Cumuls de 150 à 250 mm attendus, localement 300 mm en quelques heures. Soyez très prudents. #vigilance #Hérault",
        viral=3,
    )
    o(
        4,
        "Prefet34_EX",
        "Épisode méditerranéen en cours : vigilance orange pluie-inondation. Limitez vos déplacements et ne vous engagez jamais sur une route inondée. #Hérault #inondations",
        viral=2,
    )
    o(
        10,
        "VigiMeteo_EX",
        "Vigilance ROUGE pluie-inondation pour l'Hérault. Phénomène dangereux d'intensité exceptionnelle : restez chez vous, montez à l'étage, ne prenez pas la route. #VigilanceRouge",
        viral=6,
    )
    o(
        12,
        "Prefet34_EX",
        "L'Hérault passe en vigilance ROUGE. Ne prenez pas votre véhicule. Ne descendez pas dans les parkings souterrains. N'allez pas chercher vos enfants à l'école : ils y sont en sécurité. Urgence : 112. #VigilanceRouge",
        viral=8,
    )
    o(
        14,
        "Prefet34_EX",
        "Red flood warning in Hérault: stay indoors, move upstairs, do not drive and never cross a flooded road. Emergency number: 112. #Montpellier",
        lang="en",
        viral=2,
    )
    o(
        16,
        "AcMontpellier_EX",
        "Les élèves sont mis en sécurité dans les écoles, collèges et lycées. Ne venez pas les chercher tant que la vigilance rouge est en cours.",
        viral=2,
    )
    o(
        19,
        "TaM_Info_EX",
        "Tramway : trafic interrompu sur la ligne 3 entre Port Marianne et Lattes Centre (voie inondée). Lignes 1 et 4 perturbées. Évitez de vous déplacer.",
        place="Lattes",
        viral=1,
    )
    o(
        22,
        "SDIS34_EX",
        "Très forte sollicitation des secours. N'appelez le 18 ou le 112 qu'en cas de danger immédiat. Montez en hauteur et attendez les secours, ne prenez pas votre véhicule.",
        viral=5,
    )
    o(
        26,
        "MairieMontpellier_EX",
        "Un centre d'hébergement d'urgence est ouvert au gymnase Pierre de Coubertin. Les personnes sinistrées peuvent s'y présenter, couvertures et repas sur place.",
        place="Montpellier",
        viral=2,
    )
    o(
        28,
        "Enedis_Occitanie_EX",
        "Environ 8 000 foyers sont privés d'électricité à Lattes, Pérols et dans le sud de Montpellier. Nos équipes interviendront dès que la sécurité le permettra.",
        viral=1,
    )
    o(
        31,
        "Prefet34_EX",
        "Routes fermées : D986 entre Lattes et Palavas, avenue de la Mer, D65 à Castelnau-le-Lez, passage sous voie de Juvignac. Ne forcez pas les barrages. Liste tenue à jour sur le site de la préfecture.",
        viral=4,
    )
    o(
        33,
        "AutoroutesSud_EX",
        "A9 : sortie Montpellier-Est fermée, 8 km de bouchon. Évitez le secteur et ne stationnez pas sur la bande d'arrêt d'urgence.",
        viral=1,
    )
    o(
        36,
        "SDIS34_EX",
        "Plus de 180 interventions depuis le début de l'épisode, dont 40 mises en sécurité de personnes. Deux hélicoptères engagés sur Lattes et Pérols.",
        viral=3,
    )
    o(
        40,
        "VilleDeLattes_EX",
        "Lattes : évacuation préventive des quartiers de Maurin et de Boirargues. Rejoignez la salle polyvalente du centre, des bénévoles vous accueillent.",
        place="Lattes",
        viral=3,
    )
    o(
        45,
        "Prefet34_EX",
        "Le centre opérationnel départemental est activé. Numéro d'information du public (exercice) : 0 800 000 034. Pour une urgence, le 112.",
        viral=2,
    )
    o(
        48,
        "Aeroport_MPL_EX",
        "Vols retardés ou annulés ce soir, le terminal reste ouvert. Vérifiez votre vol auprès de votre compagnie. / Flights delayed or cancelled tonight, the terminal remains open.",
        lang="fr",
        viral=1,
    )
    o(
        51,
        "TER_Occitanie_EX",
        "Circulation interrompue entre Montpellier et Sète suite à l'inondation des voies. Pas de reprise prévue avant demain midi.",
        viral=1,
    )
    o(
        55,
        "MairiePerols_EX",
        "Pérols : l'étang déborde sur les quartiers bas. Montez à l'étage et signalez-vous au 112 si vous êtes isolés. Les pompiers évacuent par bateau.",
        place="Pérols",
        viral=3,
    )
    o(
        58,
        "Palavas_EX",
        "Palavas : le camping du Levant est évacué vers la salle Bleue. Ne cherchez pas à rejoindre Palavas par la D986, coupée à Lattes.",
        place="Palavas-les-Flots",
        viral=2,
    )
    o(
        62,
        "Prefet34_EX",
        "FAUX : aucune rupture de barrage ni de digue dans l'Hérault. Le barrage du Salagou et les digues du Lez à Lattes sont surveillés et tiennent. Ne relayez pas de rumeurs. #Désinfo",
        viral=9,
    )
    o(
        65,
        "Metropole_Eau_EX",
        "Eau potable : suite à une casse sur le réseau, Saint-Jean-de-Védas et l'ouest de Juvignac sont privés d'eau. Partout ailleurs l'eau du robinet reste POTABLE.",
        viral=4,
    )
    o(
        70,
        "SDIS34_EX",
        "Point de situation : 320 interventions, 95 mises en sécurité, 3 blessés légers. Aucun décès à déplorer à ce stade.",
        viral=5,
    )
    o(
        73,
        "Police34_EX",
        "Aucun pillage n'a été constaté à Lattes ni à Odysseum. Des patrouilles sont en cours. Merci de ne pas diffuser de fausses informations.",
        viral=4,
    )
    o(
        75,
        "Aeroport_MPL_EX",
        "The terminal is NOT flooded and the airport is not closed for the week. Some flights are delayed tonight: check with your airline.",
        lang="en",
        viral=1,
    )
    o(
        78,
        "Prefet34_EX",
        "Contrairement à ce qui circule, AUCUN décès n'est confirmé. Bilan provisoire : 3 blessés légers. Seules les autorités communiquent un bilan officiel.",
        viral=7,
    )
    o(
        82,
        "Enedis_Occitanie_EX",
        "12 500 foyers privés d'électricité. Les premières réalimentations commencent à Castelnau-le-Lez et au Crès.",
        viral=1,
    )
    o(
        84,
        "CHU_MPL_EX",
        "Le CHU n'est pas évacué. Les urgences fonctionnent normalement ; n'y venez qu'en cas de nécessité.",
        viral=2,
    )
    o(
        86,
        "VigiMeteo_EX",
        "Les pluies faiblissent sur l'Hérault mais les cours d'eau restent en crue. La vigilance rouge est maintenue jusqu'à nouvel ordre. #VigilanceRouge",
        viral=3,
    )
    o(
        92,
        "Prefet34_EX",
        "350 personnes sont accueillies dans les centres d'hébergement. Merci aux bénévoles. Pour les dons, adressez-vous aux mairies, n'allez pas dans les zones inondées.",
        viral=3,
    )
    o(
        96,
        "TaM_Info_EX",
        "Reprise partielle de la ligne 1 du tramway. Lignes 3 et 4 toujours interrompues jusqu'à nouvel ordre.",
        viral=1,
    )
    o(
        100,
        "Castelnau_EX",
        "Le Lez commence à baisser au pont de Castelnau. La route reste fermée : restez prudents.",
        place="Castelnau-le-Lez",
        viral=1,
    )
    o(
        105,
        "AcMontpellier_EX",
        "Écoles, collèges et lycées fermés demain à Lattes, Pérols, Palavas, Juvignac et Montpellier.",
        viral=4,
    )
    o(
        110,
        "Prefet34_EX",
        "Décrue amorcée. Ne retournez pas dans les zones inondées avant l'autorisation des autorités et méfiez-vous des routes endommagées.",
        viral=3,
    )
    o(
        114,
        "SDIS34_EX",
        "Bilan à cette heure : 480 interventions, 160 mises en sécurité, 5 blessés légers, aucun décès. Merci de votre prudence.",
        viral=4,
    )
    o(
        118,
        "Enedis_Occitanie_EX",
        "Réalimentation en cours : 4 000 foyers encore privés d'électricité, principalement à Lattes et Pérols.",
        viral=1,
    )


def cross_posts(b: Builder) -> None:
    """Authorities post the same message on their other accounts, lightly edited."""
    for item in [i for i in b.items if i.official and i.viral >= 5]:
        platform = "mastodon" if item.platform != "mastodon" else "bluesky"
        b.add(
            Item(
                t=round(item.t + b.rng.uniform(30, 240), 1),
                text=near_copy(item.text, b.rng, cosmetic=True),
                author=item.author,
                platform=platform,
                lang=item.lang,
                official=True,
                geotag=False,
            )
        )


def rumours(b: Builder) -> None:
    p = b.post
    # the dam / levee
    p(
        35,
        "Il paraît que le barrage du Salagou a cédé !!! Évacuez Clermont-l'Hérault et toute la vallée !!",
        place="lac du Salagou",
        viral=7,
        geotag=False,
    )
    p(
        37,
        "URGENT rupture du barrage du Salagou, la vague arrive sur Montpellier dans 2h ??? faites tourner",
        viral=5,
        geotag=False,
    )
    p(
        39,
        "La digue de Lattes a lâché, l'eau arrive sur Port Ariane, partez tout de suite !!!",
        place="Port Ariane",
        viral=6,
    )
    p(
        41,
        "A friend just told me a dam broke near Montpellier, is that true?? We're staying in Lattes",
        author=b.rng.choice(TOURISTS),
        lang="en",
        viral=1,
    )
    p(
        44,
        "Mon cousin est pompier, il confirme pour la digue de Lattes, ils évacuent tout le quartier",
        viral=3,
        geotag=False,
    )
    p(
        50,
        "Quelqu'un peut confirmer pour le barrage ? Je vois ça partout et personne ne sait",
        viral=0,
    )
    p(
        64,
        "Ok donc PAS de rupture de barrage, la préfecture dément. Arrêtez de partager n'importe quoi svp",
        viral=3,
    )
    p(
        67,
        "Je suis à Clermont-l'Hérault, le Salagou est haut mais le barrage va très bien. Fausse info.",
        place="Clermont-l'Hérault",
        viral=2,
        geotag=True,
    )
    p(
        80,
        "Désinfo : non, la digue de Lattes n'a pas cédé. Source : préfecture. Vérifiez avant de partager.",
        viral=2,
    )
    # looters
    p(
        48,
        "Des pilleurs à Odysseum !! Ils profitent que tout est coupé pour vider les magasins, honteux",
        place="Odysseum",
        viral=5,
        geotag=False,
    )
    p(
        52,
        "Des gens cassent les vitrines à Lattes centre et la police fait rien...",
        place="Lattes",
        viral=3,
        geotag=False,
    )
    p(
        56,
        "ATTENTION des voleurs se font passer pour des pompiers et entrent chez les personnes âgées à Pérols !!! Ne leur ouvrez pas",
        place="Pérols",
        viral=6,
        geotag=False,
    )
    p(
        76,
        "J'habite à côté d'Odysseum : aucun pillage, juste de l'eau partout. Arrêtez avec ces rumeurs.",
        place="Odysseum",
        viral=1,
    )
    # the death toll
    p(
        54,
        "On parle déjà de 12 morts à Juvignac 😢 c'est horrible",
        place="Juvignac",
        viral=6,
        geotag=False,
    )
    p(
        57,
        "12 morts confirmés d'après une amie infirmière à Lapeyronie. Ils cachent le bilan",
        viral=4,
        geotag=False,
    )
    p(
        60,
        "Already 12 dead in the Montpellier floods according to locals, praying for everyone 🙏",
        author=b.rng.choice(TOURISTS),
        lang="en",
        viral=2,
    )
    p(
        63,
        "Bilan très lourd, plusieurs morts à Lattes, des voitures emportées avec des gens dedans",
        place="Lattes",
        viral=3,
        geotag=False,
    )
    p(
        81,
        "Le bilan de 12 morts est FAUX. Seule la préfecture donne un bilan : 3 blessés légers à cette heure.",
        viral=2,
    )
    # tap water
    p(
        60,
        "NE BUVEZ PAS l'eau du robinet à Montpellier, elle est contaminée par les eaux de crue !! Faites tourner",
        place="Montpellier",
        viral=6,
        geotag=False,
    )
    p(
        68,
        "Pour l'eau : seuls Saint-Jean-de-Védas et une partie de Juvignac sont coupés, ailleurs elle est potable (Métropole).",
        viral=1,
    )
    # an old photo
    p(
        43,
        "Le tram ligne 3 complètement sous l'eau à Port Marianne 😱 [photo]",
        place="Port Marianne",
        viral=5,
        geotag=False,
    )
    p(
        59,
        "Attention, la photo du tram sous l'eau qui tourne date de l'épisode de 2014, ce n'est pas ce soir. Le tram est juste arrêté.",
        author="VerifCrue_EX",
        viral=3,
    )
    # the hospital
    p(
        66,
        "Il paraît que le CHU évacue Lapeyronie à cause de l'eau ??",
        place="Montpellier",
        viral=2,
        geotag=False,
    )
    # the airport
    p(
        69,
        "Heard Montpellier airport is completely flooded and closed for the whole week?? Flying home on Sunday, anyone know?",
        author=b.rng.choice(TOURISTS),
        lang="en",
        place="aéroport Montpellier-Méditerranée",
        viral=1,
        geotag=False,
    )


HELP = [
    (
        24,
        "Lattes",
        "Mes parents (85 ans) sont bloqués au rez-de-chaussée {street}, l'eau monte, le 18 ne répond pas !! Aidez-nous svp #Lattes",
    ),
    (
        27,
        "Pérols",
        "On est sur le toit avec les deux enfants, {street} à Pérols. Il y a 1m50 d'eau dans la maison. Appelez les secours svp",
    ),
    (
        29,
        "Juvignac",
        "Voiture bloquée dans l'eau {street} à Juvignac, 2 personnes dedans, l'eau arrive aux vitres !!",
    ),
    (
        31,
        "Lattes",
        "URGENT : une dame âgée seule au 12 {street}, Lattes, elle ne peut pas monter à l'étage. Quelqu'un peut prévenir les pompiers ?",
    ),
    (
        33,
        "Montpellier",
        "Bloqués au 2e étage {street}, l'eau est au 1er, mon mari est diabétique et n'a plus d'insuline. On fait comment ?",
    ),
    (
        34,
        "Castelnau-le-Lez",
        "Mon fils est coincé dans le parking souterrain de la résidence des Pins, {street} à Castelnau, il n'arrive pas à sortir !!",
    ),
    (
        36,
        "Pérols",
        "Famille avec un bébé de 3 mois sur le toit du garage, {street} à Pérols. Plus de batterie bientôt. SVP",
    ),
    (
        38,
        "Saint-Jean-de-Védas",
        "Un homme accroché à un arbre {street} à Saint-Jean-de-Védas, on entend crier, on ne peut pas l'atteindre",
    ),
    (
        39,
        "Grabels",
        "Grabels : la Mosson est rentrée dans l'école maternelle, les enfants et les maîtresses sont à l'étage, ils attendent les secours",
    ),
    (
        42,
        "Lattes",
        "Camping-car emporté par l'eau {street} à Lattes, je crois qu'il y a quelqu'un dedans !!!",
    ),
    (
        44,
        "Montpellier",
        "EHPAD des Glycines, {street} : l'eau entre au rez-de-chaussée, le personnel monte les résidents mais ils manquent de bras",
    ),
    (
        46,
        "Le Crès",
        "Au Crès, {street}, ma voisine handicapée en fauteuil est seule chez elle et ne répond plus au téléphone",
    ),
    (
        47,
        "Juvignac",
        "On est 6 réfugiés sur la mezzanine d'un garage {street} à Juvignac, l'eau monte encore. 112 saturé",
    ),
    (
        50,
        "Pérols",
        "Pérols : personne âgée sous dialyse bloquée chez elle {street}, elle doit aller à l'hôpital ce soir. Comment faire ?",
    ),
    (
        53,
        "Lattes",
        "Des gens sur le toit d'un abribus {street} à Lattes, ça fait 30 min, personne ne vient",
    ),
    (
        57,
        "Castelnau-le-Lez",
        "Castelnau : enfant de 10 ans tombé dans le fossé {street}, un voisin l'a sorti, il est en hypothermie. Besoin d'une ambulance",
    ),
    (
        61,
        "Montpellier",
        "Près d'Arènes : une femme enceinte commence à avoir des contractions, rue inondée, on ne peut pas sortir en voiture",
    ),
    (
        65,
        "Saint-Jean-de-Védas",
        "Toujours bloqués {street} à Saint-Jean-de-Védas, l'eau ne baisse pas, on a froid. On est 4 dont un enfant",
    ),
]
HELP_EN = [
    (
        30,
        "Pérols",
        "We are stuck in our rental car on the {street} near Pérols, water is rising fast, what number do we call in France?? please help",
    ),
    (
        37,
        "Lattes",
        "Our campsite near Lattes is flooding, about 20 people on the roof of the sanitary block, we called 112 but no answer",
    ),
    (
        49,
        "Montpellier",
        "Elderly neighbour alone on the ground floor, {street} in Montpellier, water inside her flat. Does anyone know how to reach the fire brigade?",
    ),
]
HELP_FOLLOW = [
    (
        0,
        52,
        "MAJ : mes parents ont été évacués par les pompiers, ils vont bien. Merci à tous pour vos partages ❤️",
    ),
    (
        1,
        58,
        "MAJ : on a été hélitreuillés avec les enfants, on est au gymnase. Merci aux pompiers 🙏",
    ),
    (
        2,
        49,
        "Les 2 personnes dans la voiture à Juvignac ont été sorties par les pompiers, elles vont bien",
    ),
    (
        5,
        55,
        "Mon fils est sorti du parking, il est trempé mais ça va. Merci pour vos messages",
    ),
    (
        10,
        72,
        "EHPAD des Glycines : tous les résidents sont à l'étage et en sécurité, les pompiers sont sur place. Merci !",
    ),
]


def calls_for_help(b: Builder) -> None:
    helped: list[Item] = []
    for minute, place, template in HELP:
        text = fill(template, place, b.rng)
        helped.append(
            b.post(minute, text, place=place, viral=b.rng.choice([2, 3, 4, 5]))
        )
    for minute, place, template in HELP_EN:
        text = fill(template, place, b.rng)
        b.post(
            minute, text, place=place, lang="en", author=b.rng.choice(TOURISTS), viral=2
        )
    for index, minute, text in HELP_FOLLOW:
        original = helped[index]
        b.add(
            Item(
                t=b.at(minute),
                text=text,
                author=original.author,
                platform=original.platform,
                place=original.place,
                geotag=False,
            )
        )


EYEWITNESS = [
    # (from, to, template, places or None for INSIDE)
    (
        0,
        20,
        "Il pleut des cordes sur {place} depuis {min} minutes, on n'y voit plus rien",
        None,
    ),
    (
        0,
        20,
        "Orage énorme au-dessus de {place}, les éclairs toutes les 5 secondes",
        None,
    ),
    (
        0,
        25,
        "Les caniveaux débordent déjà {street} à {place}, ça va mal finir ce soir",
        None,
    ),
    (
        5,
        30,
        "{river} monte à vue d'œil à {place}, il a pris un bon mètre en une demi-heure",
        None,
    ),
    (10, 40, "Ça commence à rentrer dans les garages {street} à {place}", None),
    (15, 60, "{cm} cm d'eau {street}, les voitures flottent presque ({place})", None),
    (
        15,
        70,
        "{river} est sorti de son lit à {place}, tout le bas du quartier est sous l'eau",
        None,
    ),
    (20, 70, "Impressionnant, {street} à {place} c'est devenu une rivière", None),
    (
        20,
        75,
        "L'eau est rentrée dans le salon, {cm} cm, on monte tout à l'étage. {place}",
        None,
    ),
    (
        20,
        75,
        "Les voitures sont emportées {street} à {place}, je n'ai jamais vu ça",
        None,
    ),
    (
        25,
        80,
        "Le parking souterrain de notre résidence {street} est entièrement noyé ({place})",
        None,
    ),
    (25, 80, "Les pompiers passent en bateau {street} à {place}", None),
    (25, 85, "Un hélico tourne au-dessus de {place} depuis {min} min", None),
    (30, 90, "On entend des sirènes partout à {place}, l'eau continue de monter", None),
    (
        30,
        90,
        "Toute la rue est sous l'eau à {place}, les voisins sont aux fenêtres",
        None,
    ),
    (
        35,
        90,
        "Les magasins du centre de {place} sont inondés, les vitrines ont cédé sous la pression de l'eau",
        None,
    ),
    (
        40,
        95,
        "Ça ne monte plus {street} à {place} mais ça ne baisse pas non plus",
        None,
    ),
    (
        85,
        120,
        "L'eau commence à redescendre {street} à {place}, il reste de la boue partout",
        None,
    ),
    (
        90,
        120,
        "Ça baisse enfin à {place}. Les dégâts sont énormes, les voitures sont entassées",
        None,
    ),
    (
        95,
        120,
        "Premiers habitants dehors à {place} pour constater les dégâts. Triste spectacle",
        None,
    ),
    (
        0,
        30,
        "Ça tombe aussi très fort à {place}, les ruisseaux sont pleins",
        ["Ganges", "Anduze", "Sommières", "Lunel", "Nîmes"],
    ),
    (
        20,
        80,
        "Le Vidourle monte vite à {place}, les quais sont fermés",
        ["Sommières", "Lunel"],
    ),
    (
        20,
        90,
        "Palavas coupé du monde, la route est sous l'eau des deux côtés",
        ["Palavas-les-Flots"],
    ),
    (
        30,
        90,
        "À {place} on a aussi de l'eau dans les rues basses, moins qu'à Montpellier",
        ["Sète", "Mauguio", "Lunel"],
    ),
]
EYEWITNESS_FREE = [
    (5, 30, "Le ciel est noir au-dessus de Montpellier, ça fait peur"),
    (10, 40, "Le Lez est impressionnant depuis le pont Juvénal, marron et très rapide"),
    (15, 50, "Jamais vu autant d'eau à Port Marianne, le bassin a débordé"),
    (15, 60, "Le Verdanson est plein à ras bord, l'eau passe par-dessus les quais"),
    (20, 70, "Avenue de Palavas impraticable, des voitures abandonnées partout"),
    (20, 70, "Rond-point du Zénith sous 50 cm d'eau, des voitures coincées"),
    (25, 80, "Les Près d'Arènes sont noyés, les gens sont aux fenêtres"),
    (30, 80, "Le centre commercial de Lattes est fermé, l'eau rentre dans le parking"),
    (30, 85, "La gare Saint-Roch est pleine de voyageurs bloqués, plus aucun train"),
    (
        35,
        85,
        "Boirargues complètement inondé, les pompiers évacuent les maisons une à une",
    ),
    (40, 90, "L'étang de Pérols a rejoint les maisons, on ne voit plus la route"),
    (95, 120, "Le Lez redescend au pont de Castelnau, on voit à nouveau les berges"),
    (
        100,
        120,
        "Odysseum ressemble à un champ de boue, les voitures du parking sont empilées",
    ),
]
ROADS = [
    (10, 60, "D986 coupée entre Lattes et Palavas, demi-tour obligatoire"),
    (15, 60, "Avenue de la Mer fermée par la police au niveau du rond-point"),
    (
        15,
        70,
        "Le passage sous la voie rapide à Juvignac est complètement noyé, n'y allez pas",
    ),
    (20, 70, "A9 à l'arrêt vers Montpellier-Est, on ne bouge plus depuis {min} min"),
    (20, 70, "La route de Lavérune est coupée au niveau de la Mosson"),
    (20, 70, "Pont de Castelnau fermé dans les deux sens"),
    (20, 80, "Route de Mende fermée, des arbres tombés sur la chaussée"),
    (25, 80, "Pont de Lattes fermé, la police fait faire demi-tour"),
    (25, 80, "Route de Carnon coupée à Pérols, de l'eau jusqu'aux portières"),
    (25, 80, "Plus aucun bus à Montpellier, les chauffeurs ont été rappelés au dépôt"),
    (
        30,
        90,
        "Déviation mise en place à Saint-Jean-de-Védas, bouchon énorme route de Sète",
    ),
    (
        30,
        90,
        "Tram 3 à l'arrêt à Port Marianne, les voyageurs sont descendus à pied dans l'eau",
    ),
    (30, 90, "Le périphérique est bloqué à hauteur de l'avenue de Toulouse"),
    (40, 100, "Les rues basses du Crès fermées, l'avenue de Nîmes est coupée"),
    (
        50,
        110,
        "Toujours impossible de sortir de Lattes en voiture, toutes les routes sont fermées",
    ),
    (95, 120, "Route de Palavas toujours fermée, des débris partout sur la chaussée"),
    (100, 120, "La circulation reprend doucement sur l'avenue de Toulouse"),
]
UTILITIES = [
    (20, 80, "Plus de courant à {place} depuis {min} min"),
    (20, 80, "Coupure d'électricité générale {street} à {place}"),
    (25, 90, "Plus d'eau au robinet à {place}"),
    (25, 90, "Plus de réseau mobile à {place}, difficile de joindre qui que ce soit"),
    (30, 95, "Plus d'internet ni de télé à {place}, on écoute la radio sur piles"),
]
UTILITIES_FREE = [
    (
        25,
        80,
        "Quartier entier dans le noir à Port Marianne, même les feux ne marchent plus",
    ),
    (30, 90, "Le 112 sonne occupé depuis 10 minutes, c'est normal ?"),
    (
        35,
        90,
        "Plus d'eau à Saint-Jean-de-Védas, les supérettes sont prises d'assaut pour les bouteilles",
    ),
    (
        40,
        100,
        "Le courant est revenu au Crès ! Courage à ceux qui sont encore dans le noir",
    ),
    (90, 120, "Toujours pas de courant à Lattes, les congélateurs vont y passer"),
]
ADVICE = [
    (
        10,
        60,
        "Ne prenez surtout pas vos voitures ce soir. 30 cm d'eau suffisent pour emporter une voiture.",
    ),
    (
        10,
        60,
        "Rappel : on ne va PAS chercher les enfants à l'école pendant une vigilance rouge, ils sont en sécurité",
    ),
    (
        15,
        70,
        "Coupez l'électricité et le gaz si l'eau rentre chez vous, et montez à l'étage",
    ),
    (
        15,
        70,
        "Ne descendez pas dans les parkings souterrains pour sauver vos voitures, c'est là qu'on se noie",
    ),
    (
        20,
        80,
        "Gardez vos téléphones chargés et n'appelez le 112 qu'en cas d'urgence vitale pour ne pas saturer les lignes",
    ),
    (
        25,
        90,
        "N'allez pas voir le Lez en crue pour faire des photos, les berges peuvent s'effondrer",
    ),
    (
        90,
        120,
        "Après l'inondation : photographiez les dégâts avant de nettoyer, pour l'assurance",
    ),
    (
        95,
        120,
        "Ne buvez pas l'eau d'un puits inondé et jetez ce qui a été en contact avec l'eau de crue",
    ),
]
SOLIDARITY = [
    (
        30,
        100,
        "J'ai une maison à l'étage à {place}, je peux accueillir une famille cette nuit. DM",
    ),
    (
        35,
        110,
        "Des bénévoles sont au gymnase de {place} avec des couvertures, ils ont besoin de bras",
    ),
    (
        40,
        110,
        "Qui a besoin d'aide pour sortir des meubles à {place} ? J'ai une camionnette",
    ),
    (
        45,
        115,
        "Boulangerie ouverte à {place}, ils distribuent du pain gratuitement aux sinistrés",
    ),
]
SOLIDARITY_FREE = [
    (
        40,
        110,
        "Le gymnase Pierre de Coubertin a besoin de lait infantile et de couches",
    ),
    (45, 110, "Courage à tous les Montpelliérains ce soir ❤️"),
    (50, 115, "Merci aux pompiers, ils sont partout depuis des heures 👏"),
    (
        55,
        115,
        "La salle polyvalente de Lattes accueille les sinistrés, ils demandent des vêtements secs",
    ),
    (60, 120, "Je peux héberger 2 personnes et un chien à Castelnau, écrivez-moi"),
    (70, 120, "Pensées pour les habitants de Lattes et Pérols 💙"),
    (
        90,
        120,
        "Collecte organisée demain matin devant la mairie de Pérols : produits d'entretien, bottes, gants",
    ),
]
MISSING = [
    (
        45,
        "Quelqu'un a vu mon frère Karim ? Il rentrait de Castelnau à scooter il y a 2h et ne répond plus. Veste rouge.",
        95,
        "Karim est retrouvé ! Il était réfugié chez un collègue, sans batterie. Merci pour vos partages 🙏",
    ),
    (
        55,
        "On cherche Mme Roux, 82 ans, qui vit seule à Pérols, elle ne répond pas au téléphone. Quelqu'un est sur place ?",
        88,
        "Mme Roux a été mise à l'abri par ses voisins, elle va bien. Merci !",
    ),
    (
        62,
        "Mon chien s'est enfui avec l'orage à Grabels, un berger australien, il a peur de l'eau. Partagez svp",
        None,
        "",
    ),
    (
        70,
        "Does anyone know if the people from the Lattes campsite were evacuated? Our daughter was staying there and we can't reach her",
        98,
        "Update: our daughter is safe in a shelter in Lattes. Thank you all so much",
    ),
]
CHATTER = [
    "Bon ben soirée bougies et jeux de société",
    "Le match de ce soir est reporté, évidemment",
    "Mon chat est traumatisé par l'orage 😂",
    "Qui a une recette de soupe avec ce qu'il reste dans le frigo ?",
    "Encore une fois le Sud sous l'eau, et demain on parlera de sécheresse",
    "J'ai raté le dernier tram, je dors au bureau",
    "Les chaînes info en boucle, je coupe",
    "Promo -50% sur les bottes de pluie, c'est le moment 😅",
    "Ça me rappelle 2014, on avait eu la même",
    "Bon courage à ceux qui bossent cette nuit",
    "Le réchauffement climatique c'est maintenant, pas dans 50 ans",
    "Mon colis est bloqué à cause des intempéries, super",
    "Soirée Netflix forcée, des recommandations ?",
    "Pas une goutte de pluie à Béziers, c'est fou",
    "Les politiques vont encore venir faire des photos dans la boue demain",
    "J'aurais dû rester à Lyon",
    "Y a des gens qui font du paddle dans la rue 🙄",
    "Quelqu'un a des nouvelles du concert au Zénith ?",
    "Je viens de voir passer un canard devant ma porte",
    "Heureusement qu'on habite au 4e",
    "Tout le monde parle de la pluie mais personne de la réforme",
    "Mes plantes sont contentes au moins",
    "Toujours la même chose à chaque épisode cévenol, on construit en zone inondable",
    "Le prix des assurances va encore augmenter",
    "Live sur ma chaîne ce soir, venez",
    "Bon, plus de réseau, je vais lire un livre",
    "Vivement le soleil",
    "Mon patron me demande si je viens demain 😂",
]
ENGLISH = [
    (10, 40, "Insane storm in Montpellier tonight, never seen rain like this ⛈️"),
    (
        15,
        60,
        "Our Airbnb in Port Marianne has water coming under the door, landlord not answering",
    ),
    (
        20,
        70,
        "Stuck at Montpellier Saint-Roch station, all trains cancelled. Any hotel with rooms left?",
    ),
    (
        20,
        80,
        "Is it safe to drive from Montpellier to Nîmes tonight? The sat nav keeps rerouting us",
    ),
    (
        25,
        80,
        "Red alert on my phone in French, can someone translate? We are in Palavas",
    ),
    (30, 90, "The road to Palavas is completely flooded, police turning everyone back"),
    (30, 90, "Power cut in our hotel in Lattes, staff handing out candles"),
    (
        35,
        95,
        "Firefighters rescuing people by boat right in front of our hotel in Pérols. Heroes",
    ),
    (
        40,
        100,
        "Where can tourists go if their accommodation is flooded? Is there a shelter in Montpellier?",
    ),
    (45, 100, "Our flight tonight is cancelled, sleeping at the airport I guess"),
    (
        50,
        110,
        "Campsite staff in Palavas moved everyone to a hall, very well organised",
    ),
    (
        60,
        115,
        "Water finally going down in Lattes. So much mud. Thinking of the locals",
    ),
    (80, 120, "Does anyone know if the A9 motorway is open towards Spain?"),
    (95, 120, "Thank you Montpellier for the kindness tonight, a family took us in"),
]


def background(b: Builder) -> None:
    rng = b.rng
    for repeat in range(4):
        for start, end, template, places in EYEWITNESS:
            if repeat and places is not None and rng.random() < 0.5:
                continue
            place = rng.choice(places or INSIDE)
            b.post(None, fill(template, place, rng), window=(start, end), place=place)
    for start, end, text in EYEWITNESS_FREE:
        b.post(None, text, window=(start, end), viral=rng.choice([0, 0, 1, 2]))
    for start, end, text in ROADS:
        b.post(
            None,
            fill(text, "Montpellier", rng),
            window=(start, end),
            viral=rng.choice([0, 1, 1, 2]),
        )
    for _repeat in range(3):
        for start, end, template in UTILITIES:
            place = rng.choice(INSIDE)
            b.post(None, fill(template, place, rng), window=(start, end), place=place)
    for start, end, text in UTILITIES_FREE:
        b.post(None, text, window=(start, end))
    for start, end, text in ADVICE:
        b.post(None, text, window=(start, end), viral=rng.choice([1, 2, 3]))
    for start, end, template in SOLIDARITY:
        place = rng.choice(INSIDE)
        b.post(
            None, fill(template, place, rng), window=(start, end), place=place, viral=1
        )
    for start, end, text in SOLIDARITY_FREE:
        b.post(None, text, window=(start, end), viral=rng.choice([0, 1, 2]))
    for minute, text, found_at, found in MISSING:
        lang = "en" if text.startswith("Does") else "fr"
        author = rng.choice(TOURISTS) if lang == "en" else b.citizen()
        first = b.post(minute, text, author=author, lang=lang, viral=3)
        if found_at is not None:
            b.add(
                Item(
                    t=b.at(found_at),
                    text=found,
                    author=first.author,
                    platform=first.platform,
                    lang=lang,
                    viral=1,
                )
            )
    for text in CHATTER:
        b.post(None, text, window=(0, DURATION_MIN))
    for start, end, text in ENGLISH:
        b.post(None, text, window=(start, end), author=rng.choice(TOURISTS), lang="en")


def echoes(b: Builder) -> None:
    """Reposts ("RT @x: …") and near-copies of the posts that spread."""
    rng = b.rng
    sources = [item for item in b.items if item.viral]
    for original in sources:
        copies = sum(1 for _ in range(original.viral) if rng.random() < 0.65)
        for _ in range(copies):
            t = min(original.t + rng.uniform(20, 1500), DURATION_MIN * 60 - 5)
            author = b.citizen()
            if rng.random() < 0.6:
                b.add(
                    Item(
                        t=round(t, 1),
                        text=f"RT @{original.author}: {original.text}",
                        author=author,
                        platform=original.platform,
                        lang=original.lang,
                        repost_of=original.key,
                        place=original.place,
                        geotag=False,
                    )
                )
            else:
                b.add(
                    Item(
                        t=round(t, 1),
                        text=near_copy(original.text, rng),
                        author=author,
                        platform=b.platform(),
                        lang=original.lang,
                        place=original.place,
                        geotag=False,
                    )
                )


def near_copy(text: str, rng: random.Random, *, cosmetic: bool = False) -> str:
    """The same message retyped: an emoji, hashtags, a prefix, a dropped accent…
    (`cosmetic`: only an emoji or hashtags, as an authority reposting itself)."""
    original = text
    edits = rng.sample(range(2) if cosmetic else range(6), k=rng.choice([1, 2]))
    for edit in edits:
        if edit == 0:
            text = f"{text} {rng.choice(EMOJI)}"
        elif edit == 1:
            text = f"{text} {' '.join(rng.sample(TAGS, k=2))}"
        elif edit == 2:
            text = f"{rng.choice(['URGENT', '⚠️', 'Partagez :', 'A faire tourner :', 'Info :'])} {text}"
        elif edit == 3:
            text = text.replace("é", "e").replace("à", "a").replace("è", "e")
        elif edit == 4:
            text = (
                text.replace("!!", "!!!").replace(" svp", " SVP").replace("...", " !!")
            )
        else:
            text = text[0].lower() + text[1:] if text[0].isupper() else text
    if text == original:
        text = f"{text} {rng.choice(EMOJI)}"
    return text


INJECTS = [
    (
        0,
        "Début de l'exercice",
        "Exercice « Lez 2026 » : épisode méditerranéen sur l'Hérault, vigilance orange pluie-inondation. La cellule de veille est activée sur les communes du Lez et de la Mosson.",
    ),
    (
        10,
        "Vigilance rouge",
        "Météo-France passe l'Hérault en vigilance rouge pluie-inondation. Le CODIS demande une veille renforcée et le signalement immédiat des personnes en danger.",
    ),
    (
        30,
        "Saturation du 112",
        "Le CODIS signale la saturation du 18/112 : remontez en priorité les personnes en danger (toits, véhicules, personnes isolées) avec une localisation.",
    ),
    (
        45,
        "Point de situation demandé",
        "La préfecture demande un point de situation pour T+60 : routes coupées, coupures d'électricité et d'eau, rumeurs en circulation.",
    ),
    (
        60,
        "Appel d'un journaliste",
        "Un journaliste de la presse locale appelle l'équipe : il veut confirmer un bilan de 12 morts vu sur les réseaux. Préparez la réponse (renvoyer vers la préfecture).",
    ),
    (
        75,
        "Démenti à relayer",
        "La préfecture demande de relayer son démenti sur la rupture de barrage et d'identifier les comptes qui diffusent encore la rumeur.",
    ),
    (
        90,
        "Relève d'équipe",
        "Relève simulée : préparez la passation écrite (situation, signalements en cours, rumeurs suivies).",
    ),
    (
        105,
        "Carte des personnes isolées",
        "Le SDIS demande une carte des signalements de personnes isolées non encore confirmées comme secourues.",
    ),
    (
        120,
        "Fin de l'exercice",
        "Fin de l'exercice « Lez 2026 ». Retour d'expérience à T+130 en visioconférence.",
    ),
]


def build(seed: int = SEED) -> list[dict[str, Any]]:
    b = Builder(seed)
    officials(b)
    cross_posts(b)
    rumours(b)
    calls_for_help(b)
    background(b)
    echoes(b)

    items = sorted(b.items, key=lambda i: (i.t, i.key))
    ids = {item.key: f"ffh-{n:04d}" for n, item in enumerate(items, start=1)}
    lines: list[dict[str, Any]] = []
    for item in items:
        record: dict[str, Any] = {"t": item.t, "kind": "post", "id": ids[item.key]}
        record["text"] = item.text
        record["author"] = item.author
        record["platform"] = item.platform
        if b.rng.random() < 0.9 or item.official:
            record["lang"] = item.lang
        record["url"] = (
            f"https://replay.invalid/{item.platform}/{item.author}/{ids[item.key]}"
        )
        if item.place:
            geotag = item.geotag if item.geotag is not None else b.rng.random() < 0.5
            if geotag:
                lat, lon = PLACES[item.place]
                record["lat"] = round(lat + b.rng.uniform(-0.004, 0.004), 5)
                record["lon"] = round(lon + b.rng.uniform(-0.004, 0.004), 5)
                if item.platform == "x" and b.rng.random() < 0.5:
                    record["place"] = f"{item.place}, France"
        if item.repost_of is not None:
            record["repost_of"] = ids[item.repost_of]
        if item.official:
            record["official"] = True
        lines.append(record)
    for number, (minute, title, text) in enumerate(INJECTS, start=1):
        lines.append(
            {
                "t": float(minute * 60),
                "kind": "inject",
                "id": f"inject-{number:02d}",
                "title": title,
                "text": text,
                "lang": "fr",
            }
        )
    lines.sort(key=lambda r: (r["t"], r["kind"] != "inject", r["id"]))
    return lines


def render(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed file"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    lines = build()
    text = render(lines)
    posts = sum(1 for line in lines if line["kind"] == "post")
    injects = len(lines) - posts
    if args.check:
        current = (
            args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        )
        if current != text:
            print(f"{args.output} is out of date: run scripts/make_scenario.py")
            return 1
        print(f"{args.output} is up to date ({posts} posts, {injects} injects)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}: {posts} posts, {injects} injects"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
