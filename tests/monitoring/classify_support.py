"""Posts written for this project, one French and one English per category, to check
the lexicon on the kind of text a VOST reads."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "classify"

CATEGORY_CASES = [
    (
        "request",
        "fr",
        "Au secours, nous sommes bloqués à l'étage avec deux enfants, il nous faut un bateau rue des Lilas",
    ),
    (
        "request",
        "en",
        "Please help, we need water and insulin for my dad at 12 Oak Street, nobody is coming",
    ),
    (
        "injured_dead",
        "fr",
        "Deux morts et cinq blessés après la crue du Vidourle selon le bilan provisoire",
    ),
    (
        "injured_dead",
        "en",
        "Death toll rises to 12, dozens injured after the flash flood",
    ),
    (
        "missing_found",
        "fr",
        "Avis de recherche : mon père est porté disparu depuis hier soir à Sommières",
    ),
    (
        "missing_found",
        "en",
        "Has anyone seen my sister? She is still missing since the river burst its banks",
    ),
    (
        "displaced",
        "fr",
        "Évacuation du camping des Mimosas : 200 personnes hébergées au gymnase municipal",
    ),
    (
        "displaced",
        "en",
        "Mandatory evacuation order for the riverside neighbourhood, shelters open at the high school",
    ),
    (
        "infrastructure",
        "fr",
        "La D999 est coupée, pont emporté à Saint-Hippolyte, 3000 foyers privés d'électricité",
    ),
    (
        "infrastructure",
        "en",
        "Power outage across the county, bridge washed out on Route 9, roads closed",
    ),
    (
        "caution",
        "fr",
        "Vigilance rouge : évitez les déplacements et ne vous engagez jamais sur une route inondée",
    ),
    (
        "caution",
        "en",
        "Flash flood warning: stay off the roads and move to higher ground. Turn around, don't drown",
    ),
    (
        "rescue_donation",
        "fr",
        "Collecte de dons pour les sinistrés : les bénévoles de la Croix-Rouge vous attendent salle des fêtes",
    ),
    (
        "rescue_donation",
        "en",
        "Volunteers needed! Donate to the Red Cross relief fund, drop off supplies at the church",
    ),
    (
        "sympathy",
        "fr",
        "Toutes nos pensées vont aux familles, courage à tous les Gardois",
    ),
    (
        "sympathy",
        "en",
        "Thoughts and prayers with everyone affected, stay strong Texas",
    ),
    (
        "official",
        "fr",
        "Communiqué de la préfecture : point de situation à 18h, cellule de crise activée",
    ),
    (
        "official",
        "en",
        "Press conference by the governor at 5pm, state of emergency declared",
    ),
    (
        "rumour",
        "fr",
        "Il paraît que le barrage a cédé ?? quelqu'un peut confirmer, c'est peut-être une intox",
    ),
    ("rumour", "en", "Is it true the dam broke? Unconfirmed rumour, probably a hoax"),
    (
        "other_relevant",
        "fr",
        "Le Vidourle continue de monter, impressionnantes images de la crue ce matin",
    ),
    (
        "other_relevant",
        "en",
        "Heavy rain all night, the river keeps rising, aerial footage of the flooding",
    ),
    (
        "not_relevant",
        "fr",
        "Jeu concours : gagnez un abonnement, code promo à saisir avant dimanche",
    ),
    (
        "not_relevant",
        "en",
        "Giveaway! Win a free album, follow back and use the promo code",
    ),
]

# (situation, lang, text), most urgent first
PRIORITY_LADDER = [
    (
        "people trapped",
        "fr",
        "Coincés sur le toit avec mes enfants, l'eau monte, aidez-nous !",
    ),
    (
        "road closure",
        "fr",
        "Route D986 fermée entre Sommières et Quissac, déviation en place",
    ),
    ("sympathy", "fr", "Toutes nos pensées aux sinistrés du Gard"),
    (
        "people trapped",
        "en",
        "Trapped in the attic with my grandmother, water rising fast, please send help",
    ),
    ("road closure", "en", "Road closed between Quissac and Sauve, detour signed"),
    ("sympathy", "en", "Praying for everyone in the south of France tonight"),
]

# Texts the lexicon knows nothing about, taught to the model by "triage decisions".
NOVEL_MISSING = [
    f"Quelqu'un a croisé Zébulon, notre berger {color} ? Il s'est enfui près de l'écluse n°{n}"
    for n, color in enumerate(
        ["roux", "noir", "gris", "blanc", "fauve", "tacheté", "crème", "brun"] * 3
    )
]
NOVEL_OTHER = [
    f"Le marché de {town} est maintenu samedi, stands habituels sur la placette {n}"
    for n, town in enumerate(
        ["Quissac", "Sauve", "Lédignan", "Vézénobres", "Anduze", "Lasalle", "Ganges"]
        * 3
    )
]
