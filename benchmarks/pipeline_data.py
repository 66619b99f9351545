"""Synthetic but realistic crisis posts for the pipeline benchmarks (no reference data).

A flash flood around Montpellier, in French and English: eyewitness reports,
calls for help, road closures, official messages, chatter. About 30% of the
posts are reposts ("RT @user: ...", linked by id) or near-copies (a hashtag
added, a word changed, the link dropped), 15% carry a platform geotag (most
inside the area), 60% carry the platform's language tag. Deterministic for a
given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from monitoring.pipeline.types import RawPost

PLACES = [
    "Montpellier",
    "Lattes",
    "Pérols",
    "Castelnau-le-Lez",
    "Juvignac",
    "Grabels",
    "Saint-Jean-de-Védas",
    "Palavas-les-Flots",
    "Mauguio",
    "Lunel",
    "Sète",
    "Frontignan",
    "Clapiers",
    "Jacou",
    "Le Crès",
    "Vendargues",
    "Baillargues",
    "Fabrègues",
    "Villeneuve-lès-Maguelone",
    "Prades-le-Lez",
]
ROADS = ["D986", "D65", "A9", "A709", "D613", "D21", "N113", "D17", "D112", "D189"]
STREETS = [
    "avenue de la Mer",
    "rue du Lez",
    "boulevard Pasteur",
    "route de Palavas",
    "avenue de Toulouse",
    "quai de la Daurade",
    "rue de la Croix",
    "chemin des Moulins",
]
HASHTAGS_FR = [
    "#inondations",
    "#Herault",
    "#Montpellier",
    "#crue",
    "#orages",
    "#VigilanceRouge",
]
HASHTAGS_EN = ["#flood", "#FranceFloods", "#Montpellier", "#storm", "#flashflood"]

FR = [
    "Inondation {street} à {place}, l'eau monte vite, au moins {n} cm dans les maisons",
    "Route {road} coupée entre {place} et {place2}, arbres tombés et voitures bloquées",
    "Besoin d'aide urgent {street} {place}, une personne âgée coincée au premier étage",
    "Les pompiers évacuent l'école de {place}, {n} enfants mis à l'abri au gymnase",
    "Coupure d'électricité dans tout le quartier {street} à {place} depuis {h}h",
    "Le Lez déborde à {place}, ne traversez pas les gués, restez chez vous",
    "Quelqu'un a des nouvelles de mon père à {place} ? il ne répond plus depuis {h}h",
    "Gymnase de {place} ouvert pour les sinistrés, apportez couvertures et eau",
    "Des bénévoles cherchés à {place} pour vider les caves demain à {h}h",
    "Pensées aux habitants de {place}, quelle catastrophe {tag}",
    "On dit que le barrage près de {place} a cédé, quelqu'un confirme ?",
    "Vigilance rouge pluie-inondation, {n} mm attendus sur {place} cette nuit",
    "Le pont de {place2} est fermé à la circulation, déviation par la {road}",
    "Voiture emportée par le courant {street}, le conducteur a pu sortir à {place}",
    "Plus de réseau mobile à {place}, les antennes sont noyées",
    "Magnifique orage ce soir sur {place}, les éclairs partout {tag}",
    "Match reporté à {place} à cause de la météo, dommage",
    "Rappel : ne prenez pas la voiture, {n} routes fermées autour de {place}",
]
EN = [
    "Flooding on {street} in {place}, water rising fast, about {n} cm inside houses",
    "Road {road} closed between {place} and {place2}, fallen trees and stuck cars",
    "Urgent help needed at {street} {place}, elderly woman trapped upstairs",
    "Firefighters evacuating the school in {place}, {n} kids sheltered in the gym",
    "Power cut across {street} in {place} since {h}pm",
    "The Lez river is overflowing in {place}, stay home and avoid fords",
    "Anyone heard from my dad in {place}? no answer since {h}pm",
    "Shelter open at the {place} sports hall, bring blankets and water",
    "Volunteers needed in {place} to clear basements tomorrow at {h}am",
    "Thoughts with everyone in {place} tonight {tag}",
    "People say the dam near {place} broke, can anyone confirm?",
    "Red alert for heavy rain, {n} mm expected over {place} tonight",
    "Bridge in {place2} closed to traffic, detour via {road}",
    "Car swept away on {street}, the driver got out safely in {place}",
    "No mobile signal in {place}, the masts are under water",
    "Amazing lightning over {place} tonight {tag}",
]
OFFICIAL_FR = [
    "PRÉFET DE L'HÉRAULT : vigilance rouge, évitez tout déplacement sur {place} et {place2}. Numéro d'information {n}",
    "Mairie de {place} : le gymnase municipal accueille les personnes évacuées jusqu'à nouvel ordre",
]
# everyday words people add around the facts, so that no two reports read the same
WORDS_FR = [
    "maison",
    "voiture",
    "quartier",
    "voisins",
    "enfants",
    "famille",
    "école",
    "travail",
    "nuit",
    "matin",
    "soir",
    "pluie",
    "orage",
    "vent",
    "eau",
    "boue",
    "cave",
    "garage",
    "jardin",
    "rue",
    "pont",
    "rivière",
    "fossé",
    "champ",
    "parking",
    "magasin",
    "pharmacie",
    "mairie",
    "église",
    "gare",
    "bus",
    "train",
    "tram",
    "vélo",
    "moto",
    "camion",
    "tracteur",
    "toit",
    "fenêtre",
    "porte",
    "escalier",
    "étage",
    "salon",
    "cuisine",
    "chambre",
    "lumière",
    "courant",
    "réseau",
    "téléphone",
    "batterie",
    "radio",
    "télé",
    "photo",
    "vidéo",
    "message",
    "nouvelles",
    "secours",
    "gendarmes",
    "police",
    "pompiers",
    "médecins",
    "hôpital",
    "ambulance",
    "hélicoptère",
    "bateau",
    "canot",
    "corde",
    "pompe",
    "sacs",
    "sable",
    "couvertures",
    "bouteilles",
    "nourriture",
    "chiens",
    "chats",
    "chevaux",
    "vaches",
    "moutons",
    "grand",
    "petit",
    "vieux",
    "jeune",
    "rapide",
    "lent",
    "froid",
    "chaud",
    "sale",
    "mouillé",
    "noyé",
    "bloqué",
    "coincé",
    "perdu",
    "inquiet",
    "fatigué",
    "choqué",
    "triste",
    "énorme",
    "terrible",
    "incroyable",
    "vraiment",
    "beaucoup",
    "toujours",
    "jamais",
    "encore",
    "déjà",
    "bientôt",
    "partout",
    "ici",
    "là-bas",
    "dehors",
    "dedans",
    "depuis",
]
WORDS_EN = [
    "house",
    "car",
    "street",
    "neighbours",
    "kids",
    "family",
    "school",
    "work",
    "night",
    "morning",
    "evening",
    "rain",
    "storm",
    "wind",
    "water",
    "mud",
    "basement",
    "garage",
    "garden",
    "road",
    "bridge",
    "river",
    "ditch",
    "field",
    "shop",
    "pharmacy",
    "town",
    "hall",
    "church",
    "station",
    "bus",
    "train",
    "tram",
    "bike",
    "truck",
    "tractor",
    "roof",
    "window",
    "door",
    "stairs",
    "floor",
    "kitchen",
    "bedroom",
    "light",
    "power",
    "network",
    "phone",
    "battery",
    "radio",
    "photo",
    "video",
    "message",
    "news",
    "rescue",
    "police",
    "firefighters",
    "doctors",
    "hospital",
    "ambulance",
    "helicopter",
    "boat",
    "rope",
    "pump",
    "sandbags",
    "blankets",
    "bottles",
    "food",
    "dogs",
    "cats",
    "horses",
    "cows",
    "big",
    "small",
    "old",
    "young",
    "fast",
    "slow",
    "cold",
    "wet",
    "flooded",
    "stuck",
    "trapped",
    "lost",
    "worried",
    "tired",
    "shocked",
    "sad",
    "huge",
    "terrible",
    "unbelievable",
    "really",
    "always",
    "never",
    "still",
    "already",
    "soon",
    "everywhere",
    "here",
    "there",
    "outside",
    "inside",
    "since",
]
FILLERS_FR = [
    "franchement",
    "incroyable",
    "vraiment",
    "ce soir",
    "encore",
    "déjà",
    "😱",
    "🙏",
    "!!",
    "...",
]
FILLERS_EN = [
    "honestly",
    "unbelievable",
    "really",
    "tonight",
    "again",
    "already",
    "😱",
    "🙏",
    "!!",
    "...",
]

START = dt.datetime(2026, 10, 14, 16, 0, tzinfo=dt.UTC)


def _fill(template: str, rng: random.Random, lang: str) -> str:
    place, place2 = rng.sample(PLACES, 2)
    text = template.format(
        place=place,
        place2=place2,
        street=rng.choice(STREETS),
        road=rng.choice(ROADS),
        n=rng.randint(2, 400),
        h=rng.randint(1, 12),
        tag=rng.choice(HASHTAGS_FR if lang == "fr" else HASHTAGS_EN),
    )
    fillers = FILLERS_FR if lang == "fr" else FILLERS_EN
    vocabulary = WORDS_FR if lang == "fr" else WORDS_EN
    words = text.split()
    # people say it their own way: a few words of their own, cut or reordered
    if rng.random() < 0.5:
        words = words[: rng.randint(max(4, len(words) // 2), len(words))]
    for _ in range(rng.randint(2, 7)):
        words.insert(rng.randint(0, len(words)), rng.choice(vocabulary))
    for _ in range(rng.randint(0, 2)):
        words.insert(rng.randint(0, len(words)), rng.choice(fillers))
    text = " ".join(words)
    if rng.random() < 0.4:
        text += " " + " ".join(
            rng.sample(HASHTAGS_FR if lang == "fr" else HASHTAGS_EN, rng.randint(1, 2))
        )
    if rng.random() < 0.25:
        text += f" https://t.co/{rng.getrandbits(40):010x}"
    if rng.random() < 0.1:
        text = f"@{rng.choice(['prefet34', 'Montpellier3m', 'meteofrance', 'pompiers34'])} {text}"
    return text


def _near_copy(text: str, rng: random.Random) -> str:
    """A copy with one small edit, as people re-post by hand."""
    words = text.split()
    edit = rng.randrange(5)
    if edit == 0:
        words.append(rng.choice(HASHTAGS_FR + HASHTAGS_EN))
    elif edit == 1 and len(words) > 6:
        del words[rng.randrange(len(words))]
    elif edit == 2:
        words = [w for w in words if not w.startswith("http")] + [
            f"https://t.co/{rng.getrandbits(40):010x}"
        ]
    elif edit == 3:
        words.insert(0, rng.choice(["URGENT", "Partagez", "Please share", "⚠️", "via"]))
    else:
        words = [w.upper() if rng.random() < 0.1 else w for w in words]
    return " ".join(words)


def make_posts(count: int, *, seed: int = 4, prefix: str = "p") -> list[RawPost]:
    """`count` posts over about two hours; ids are `<prefix><n>`, unique per call."""
    rng = random.Random(seed)
    posts: list[RawPost] = []
    originals: list[RawPost] = []
    platforms = ["x"] * 12 + ["mastodon"] * 4 + ["bluesky"] * 3 + ["rss"]
    for index in range(count):
        platform = rng.choice(platforms)
        posted = START + dt.timedelta(seconds=index * 7200 / max(count, 1))
        handle = f"user{rng.randrange(40_000)}"
        repost_of = ""
        official = False
        roll = rng.random()
        if originals and roll < 0.15:  # a repost of an earlier post
            original = rng.choice(originals[-2000:])
            platform = original.platform
            text = f"RT @{original.author_handle}: {original.text}"
            lang = original.lang_hint
            repost_of = original.external_id
        elif originals and roll < 0.30:  # a near-copy by hand
            original = rng.choice(originals[-2000:])
            text = _near_copy(original.text, rng)
            lang = original.lang_hint
        else:
            lang = "fr" if rng.random() < 0.7 else "en"
            if rng.random() < 0.02:
                text = _fill(rng.choice(OFFICIAL_FR), rng, "fr")
                official = True
            else:
                text = _fill(rng.choice(FR if lang == "fr" else EN), rng, lang)
        geo = None
        if rng.random() < 0.15:
            inside = rng.random() < 0.8
            geo = (
                (3.88 + rng.uniform(-0.09, 0.09), 43.61 + rng.uniform(-0.09, 0.09))
                if inside
                else (rng.uniform(-1.0, 7.0), rng.uniform(43.0, 49.0))
            )
        external_id = f"{prefix}{index}"
        raw: dict[str, Any] = {
            "id": external_id,
            "text": text,
            "author_id": handle,
            "created_at": posted.isoformat(),
            "lang": lang,
            "public_metrics": {
                "retweet_count": rng.randrange(50),
                "like_count": rng.randrange(200),
            },
            "entities": {"hashtags": [w for w in text.split() if w.startswith("#")]},
        }
        post = RawPost(
            platform=platform,
            external_id=external_id,
            text=text,
            posted_at=posted,
            url=f"https://example.org/{platform}/{external_id}",
            author_handle=handle,
            author_name=handle.title(),
            author_id=handle,
            author_meta={"followers": rng.randrange(5000)},
            lang_hint=lang if rng.random() < 0.6 else "",
            geo=geo,
            repost_of_external_id=repost_of,
            is_official=official,
            raw=raw,
        )
        posts.append(post)
        if not repost_of:
            originals.append(post)
    return posts
