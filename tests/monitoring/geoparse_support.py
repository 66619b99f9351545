"""Synthetic place mentions for measuring geoparsing (benchmarks/bench_geoparse.py and
the realdata test): French and English sentences naming a commune drawn from a communes CSV (the
INSEE list in ../shared/data), with namesakes, spelling variants and context."""

from __future__ import annotations

import csv
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SHARED_DATA

INSEE_COMMUNES = SHARED_DATA / "gazetteer_fr" / "communes_insee_2024" / "communes.csv"

# {loc}: "à Lattes" / "au Havre"; {de}: "de Lattes" / "du Havre"; {bare}: "Lattes"
FRENCH = [
    "Route coupée {loc}, l'eau monte vite",
    "Inondation près {de}{cue}, plusieurs maisons touchées",
    "Gros orage {loc}{cue} ce soir, des arbres sur la chaussée",
    "{Bare} : la rivière est sortie de son lit",
    "Les pompiers évacuent le camping {loc}{cue}",
    "Besoin d'aide rue de la Gare {loc}, on est bloqués à l'étage",
    "Coupure d'électricité {loc} depuis 3h du matin",
    "Alerte crue : habitants {de}, restez chez vous",
    "Secteur {de}{cue} : plusieurs routes inondées",
    "Évacuation en cours {loc}{cue} #inondations",
    "ça déborde {loc} !!! la départementale est fermée",
    "Le pont {de} est emporté, ne passez pas par là",
    "Des familles hébergées à la salle des fêtes {de}",
    "Glissement de terrain sur la route {de}{cue}",
    "Quelqu'un a des nouvelles {de} ? plus de réseau là-bas",
    "{Bare}{cue} : l'école est fermée demain",
]
ENGLISH = [
    "We're stuck in {bare}, water rising fast",
    "Flooding near {bare}{cue}, roads closed",
    "Power cut at {bare} since this morning",
    "Anyone have news from {bare}? My family lives there",
    "{Bare} is under water right now{cue}",
    "Bridge collapsed outside {bare}, avoid the area",
    "Shelter opened in {bare}{cue} for evacuees",
]
# Posts without a place: must give (None, "").
NO_PLACE = [
    "Route coupée, l'eau monte vite, faites attention",
    "Il y a eu des dégâts partout, les pompiers sont sur place",
    "Plus de courant depuis ce matin, quelqu'un sait quand ça revient ?",
    "Restez chez vous et ne prenez pas la voiture",
    "Merci aux bénévoles pour leur aide, bravo à tous",
    "La rivière est en crue, la mairie a ouvert un gymnase",
    "Le pont est fermé, déviation par la nationale",
    "Orange ne capte plus du tout ici, aucun réseau",
    "Mars et avril ont été pluvieux mais là c'est autre chose",
    "On a vu passer un hélicoptère de la sécurité civile",
    "Bonne nuit à tous et courage pour demain",
    "Info ou intox ? le barrage aurait cédé selon un voisin",
    "Ma voisine Marie est bloquée avec ses enfants, appelez le 112",
    "Vigilance rouge pluie-inondation, restez informés",
    "Stay safe everyone, the water is still rising",
    "Nice work by the firefighters tonight",
    "Road closed, please use the detour signs",
    "Power is back on in our street, thanks to the crews",
    "Is the bridge still open? Need to get to work",
    "Sending love and prayers to everyone affected",
]


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    department: str
    department_name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Mention:
    text: str
    commune: Commune
    namesake: bool
    with_area: bool
    with_cue: bool


def read_communes(path: Path = INSEE_COMMUNES) -> list[Commune]:
    names: dict[str, str] = {}
    departments = path.parent / "departements.csv"
    if departments.exists():
        with departments.open(encoding="utf-8") as handle:
            names = {r["insee_dep"]: r["departement"] for r in csv.DictReader(handle)}
    communes: dict[str, Commune] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["commune_type"] != "COM" or not row["lat"] or not row["lng"]:
                continue
            communes.setdefault(
                row["insee_com"],
                Commune(
                    code=row["insee_com"],
                    name=row["commune_article"],
                    department=row["insee_dep"],
                    department_name=names.get(row["insee_dep"], ""),
                    lon=float(row["lng"]),
                    lat=float(row["lat"]),
                ),
            )
    return list(communes.values())


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _variant(name: str, rng: random.Random) -> str:
    if name.startswith(("Saint-", "Sainte-")) and rng.random() < 0.35:
        short = "Ste" if name.startswith("Sainte-") else "St"
        rest = name.split("-", 1)[1]
        name = f"{short}{rng.choice(['-', ' ', '. '])}{rest}"
    if rng.random() < 0.2:
        name = _strip_accents(name)
    if rng.random() < 0.15:
        name = name.replace("-", " ")
    return name


def _forms(name: str) -> tuple[str, str, str]:
    """("à X" form, "de X" form, bare) with French contractions and elision."""
    for article, loc, de in (
        ("Le ", "au ", "du "),
        ("Les ", "aux ", "des "),
    ):
        if name.startswith(article):
            rest = name[len(article) :]
            return loc + rest, de + rest, name
    de = "d'" + name if _strip_accents(name[:1]).lower() in "aeiouy" else "de " + name
    return "à " + name, de, name


def mentions(
    communes: list[Commune],
    count: int,
    *,
    seed: int = 7,
    namesake_share: float = 0.35,
    area_share: float = 1.0,
    cue_share: float = 0.3,
) -> list[Mention]:
    """`count` sentences, each naming one commune; a share of namesakes (names held by
    several communes), of activation areas around the commune, of department cues."""
    rng = random.Random(seed)  # noqa: S311 — reproducible test data, not secrets
    by_name: dict[str, list[Commune]] = defaultdict(list)
    for commune in communes:
        by_name[_key(commune.name)].append(commune)
    shared = [c for group in by_name.values() if len(group) > 1 for c in group]
    result: list[Mention] = []
    for _ in range(count):
        namesake = rng.random() < namesake_share
        commune = rng.choice(shared if namesake else communes)
        name = _variant(commune.name, rng)
        loc, de, bare = _forms(name)
        with_cue = rng.random() < cue_share
        cue = ""
        if with_cue:
            if commune.department_name and rng.random() < 0.4:
                cue = f" ({commune.department_name})"
            else:
                cue = f" ({commune.department})"
        template = rng.choice(FRENCH if rng.random() < 0.7 else ENGLISH)
        if "{cue}" not in template:
            with_cue, cue = False, ""
        text = template.format(
            loc=loc, de=de, bare=bare, Bare=bare[:1].upper() + bare[1:], cue=cue
        )
        style = rng.random()
        if style < 0.06:
            text = text.lower()
        elif style < 0.09:
            text = text.upper()
        result.append(
            Mention(
                text=text,
                commune=commune,
                namesake=len(by_name[_key(commune.name)]) > 1,
                with_area=rng.random() < area_share,
                with_cue=with_cue,
            )
        )
    return result


def _key(name: str) -> str:
    return _strip_accents(name).lower().replace("-", " ")
