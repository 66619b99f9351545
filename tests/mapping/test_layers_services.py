"""Reference layer services and selectors: upload, edit, delete, GeoJSON out.
A refused file or name creates nothing, is logged, and says why."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from activations.models import ActivationMember, LogEntry
from mapping.geoio import Limits
from mapping.models import ReferenceFeature, ReferenceLayer
from mapping.selectors import layers as selectors
from mapping.services import layers as services
from tests.factories import ActivationFactory, make_member
from vost.exceptions import DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
DATA = Path(__file__).parent / "data" / "layers"


@pytest.fixture
def lead(activation):
    return make_member(activation, Role.TEAM_LEAD).user


def upload(activation, by, file_name="sectors.kml", **fields):
    data = fields.pop("data", None)
    if data is None:
        data = (DATA / file_name).read_bytes()
    values = {
        "name": "Secteurs SDIS",
        "kind": ReferenceLayer.Kind.SECTORS,
        "description": "Fourni par le SDIS 34, 14 h",
        "colour": "#E31A1C",
        "shown_by_default": True,
    } | fields
    return services.layer_create(
        activation=activation, by=by, file_name=file_name, data=data, **values
    )


def state():
    """Everything a refused call must leave as it was."""
    return (
        list(ReferenceLayer.objects.order_by("pk").values()),
        list(
            ReferenceFeature.objects.order_by("pk").values_list(
                "pk", "name", "properties"
            )
        ),
        list(LogEntry.objects.order_by("pk").values_list("pk", "text")),
    )


# --- create ---------------------------------------------------------------------------
def test_upload_creates_the_layer_its_features_and_a_log_line(activation, lead):
    # when
    layer = upload(
        activation,
        lead,
        file_name="C:\\Users\\sdis\\sectors.kml",
        data=(DATA / "sectors.kml").read_bytes(),
    )
    # then
    layer.refresh_from_db()
    assert layer.activation == activation
    assert layer.name == "Secteurs SDIS"
    assert layer.colour == "#e31a1c"  # normalised
    assert layer.source_name == "sectors.kml"
    assert layer.uploaded_by == lead
    assert layer.feature_count == 5
    features = list(layer.features.all())
    assert [(f.name, f.geometry.geom_type) for f in features] == [
        ("Secteur Ouest", "Polygon"),
        ("Centre de regroupement", "Point"),
        ("Route barrée (D65)", "LineString"),
        ("Zones inondables", "MultiPolygon"),
        ("Accès et PC", "GeometryCollection"),
    ]
    assert all(f.geometry.srid == 4326 for f in features)
    assert features[0].properties["priorite"] == "haute"
    entry = LogEntry.objects.get(activation=activation)
    assert entry.author == lead
    assert (
        entry.text
        == 'Reference layer "Secteurs SDIS" added from sectors.kml (5 features).'
    )


@pytest.mark.parametrize(
    "file_name",
    [
        "shelters_points.geojson",
        "closed_roads_lines.geojson",
        "sectors_polygons.geojson",
        "mixed_collection.geojson",
        "hazard_bare_geometry.json",
    ],
)
def test_every_valid_sample_is_stored(activation, lead, file_name):
    layer = upload(activation, lead, file_name=file_name, name=file_name)
    assert layer.features.count() == layer.feature_count > 0


def test_hostile_text_is_stored_safely(activation, lead):
    # given NUL characters, which PostgreSQL refuses in text and JSON
    document = {
        "type": "Feature",
        "properties": {"name": "Abri\u0000 1", "note\u0000": "a\u0000b", "n": 1.5},
        "geometry": {"type": "Point", "coordinates": [3.8, 43.6]},
    }
    # when
    layer = upload(
        activation, lead, file_name="x.geojson", data=json.dumps(document).encode()
    )
    # then
    feature = layer.features.get()
    assert feature.name == "Abri 1"
    assert feature.properties == {"name": "Abri 1", "note": "ab", "n": 1.5}


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("out_of_range_lambert93.geojson", 'Feature 2 ("Caserne Montpellier")'),
        ("wrong_crs_lambert93.geojson", "EPSG::2154"),
        ("billion_laughs.kml", "DOCTYPE"),
        ("xxe_etc_passwd.kml", "DOCTYPE"),
        ("malformed.geojson", "not valid GeoJSON"),
    ],
)
def test_a_refused_file_creates_nothing_and_is_logged(
    activation, lead, caplog, file_name, reason
):
    # given
    before = state()
    # when
    with (
        caplog.at_level(logging.WARNING, logger="mapping.services.layers"),
        pytest.raises(DomainError) as caught,
    ):
        upload(activation, lead, file_name=file_name)
    # then
    assert caught.value.code == "invalid_file"
    assert reason in caught.value.message
    assert state() == before
    (record,) = [r for r in caplog.records if r.name == "mapping.services.layers"]
    assert record.levelno == logging.WARNING
    assert reason in record.getMessage()
    assert activation.slug in record.getMessage()


def test_over_the_limits_creates_nothing(activation, lead):
    before = state()
    with pytest.raises(DomainError, match="too many features"):
        upload(
            activation,
            lead,
            file_name="shelters_points.geojson",
            limits=Limits(max_features=2),
        )
    assert state() == before


def test_a_name_taken_in_the_activation_is_refused_whatever_the_case(
    activation, lead, caplog
):
    # given
    upload(activation, lead, name="Abris")
    before = state()
    # when
    with (
        caplog.at_level(logging.WARNING, logger="mapping.services.layers"),
        pytest.raises(DomainError) as caught,
    ):
        upload(activation, lead, name="  ABRIS ")
    # then
    assert caught.value.code == "duplicate_name"
    assert caught.value.message == (
        'A layer named "ABRIS" already exists in this activation.'
    )
    assert state() == before
    assert "duplicate_name" in caplog.text


def test_the_same_name_in_another_activation_is_fine(activation, lead):
    other = ActivationFactory()
    upload(activation, lead, name="Abris")
    layer = upload(other, make_member(other, Role.TEAM_LEAD).user, name="Abris")
    assert layer.activation == other


def test_a_concurrent_upload_of_the_same_name_is_refused_cleanly(
    activation, lead, monkeypatch
):
    # given the name check passed, then someone else took the name (a race)
    upload(activation, lead, name="Abris")
    monkeypatch.setattr(services, "_check_fields", lambda **kwargs: None)
    before = state()
    # when / then: the unique constraint answers, nothing is left behind
    with pytest.raises(DomainError) as caught:
        upload(activation, lead, name="Abris")
    assert caught.value.code == "duplicate_name"
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"colour": "red"}, "invalid_colour"),
        ({"colour": "#12345"}, "invalid_colour"),
        ({"colour": "#1234567"}, "invalid_colour"),
        ({"kind": "bunker"}, "invalid"),
        ({"name": "   "}, "invalid"),
        ({"name": "x" * 121}, "invalid"),
        ({"description": "x" * 2001}, "invalid"),
    ],
)
def test_bad_fields_are_refused_before_reading_the_file(
    activation, lead, monkeypatch, fields, code
):
    # given a reader that must not be reached
    def boom(**kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(services, "features_from_upload", boom)
    before = state()
    # when / then
    with pytest.raises(DomainError) as caught:
        upload(activation, lead, **fields)
    assert caught.value.code == code
    assert state() == before


# --- update and delete ---------------------------------------------------------------------
def test_update_changes_what_is_shown_and_logs_it(activation, lead):
    # given
    layer = upload(activation, lead)
    # when
    services.layer_update(
        layer=layer,
        by=lead,
        name="Secteurs (mise à jour)",
        kind=ReferenceLayer.Kind.HAZARD,
        description="Fourni par le SDIS 34, 14 h",
        colour="#1F78B4",
        shown_by_default=False,
    )
    # then
    layer.refresh_from_db()
    assert (layer.name, layer.kind, layer.colour, layer.shown_by_default) == (
        "Secteurs (mise à jour)",
        "hazard",
        "#1f78b4",
        False,
    )
    assert layer.features.count() == 5  # the features stay
    entry = LogEntry.objects.filter(activation=activation).latest("pk")
    assert entry.text == (
        'Reference layer "Secteurs SDIS" edited: name, kind, colour, '
        "shown when the map opens."
    )


def test_an_update_changing_nothing_writes_no_log(activation, lead):
    layer = upload(activation, lead)
    before = state()
    services.layer_update(
        layer=layer,
        by=lead,
        name=layer.name,
        kind=layer.kind,
        description=layer.description,
        colour=layer.colour.upper(),
        shown_by_default=layer.shown_by_default,
    )
    assert state() == before


def test_renaming_to_a_taken_name_changes_nothing(activation, lead):
    upload(activation, lead, name="Abris")
    layer = upload(activation, lead, name="Routes")
    before = state()
    with pytest.raises(DomainError) as caught:
        services.layer_update(
            layer=layer,
            by=lead,
            name="abris",
            kind=layer.kind,
            description="",
            colour="#000000",
            shown_by_default=False,
        )
    assert caught.value.code == "duplicate_name"
    assert state() == before


def test_delete_removes_the_layer_and_its_features_and_logs_it(activation, lead):
    layer = upload(activation, lead)
    kept = upload(activation, lead, name="Autre", file_name="old_namespace.kml")
    # when
    services.layer_delete(layer=layer, by=lead)
    # then
    assert list(ReferenceLayer.objects.all()) == [kept]
    assert ReferenceFeature.objects.filter(layer_id=layer.pk).count() == 0
    assert kept.features.count() == 1
    entry = LogEntry.objects.filter(activation=activation).latest("pk")
    assert entry.text == 'Reference layer "Secteurs SDIS" removed (5 features).'
    assert entry.author == lead


# --- selectors ------------------------------------------------------------------------------
def test_layer_list_and_get_are_scoped_to_the_activation(activation, lead):
    other = ActivationFactory()
    mine = upload(activation, lead, name="B")
    also_mine = upload(activation, lead, name="A", file_name="old_namespace.kml")
    theirs = upload(other, make_member(other, Role.TEAM_LEAD).user)
    assert list(selectors.layer_list(activation=activation)) == [also_mine, mine]
    assert selectors.layer_get(activation=activation, layer_id=theirs.pk) is None
    assert selectors.layer_get(activation=activation, layer_id=mine.pk) == mine


def test_layer_geojson_is_a_feature_collection(activation, lead):
    # given
    layer = upload(activation, lead, file_name="shelters_points.geojson", name="Abris")
    # when
    document = selectors.layer_geojson(layer=layer)
    # then
    assert document["type"] == "FeatureCollection"
    assert document["layer"] == {
        "id": layer.pk,
        "name": "Abris",
        "kind": "sectors",
        "colour": "#e31a1c",
        "shown_by_default": True,
        "simplified": False,
    }
    first = document["features"][0]
    assert first["type"] == "Feature"
    assert first["geometry"] == {"type": "Point", "coordinates": [3.8812, 43.6047]}
    assert first["properties"]["name"] == "Gymnase Jean Bouin"
    assert first["properties"]["capacite"] == 200
    assert [f["geometry"]["type"] for f in document["features"]] == [
        "Point",
        "Point",
        "MultiPoint",
    ]
    json.dumps(document, allow_nan=False)


def test_a_large_layer_is_simplified(activation, lead, monkeypatch):
    # given a line with many points almost aligned
    line = [[3.8 + i * 1e-4, 43.6 + (i % 2) * 1e-7] for i in range(200)]
    document = {"type": "LineString", "coordinates": line}
    layer = upload(
        activation, lead, file_name="x.geojson", data=json.dumps(document).encode()
    )
    monkeypatch.setattr(selectors, "SIMPLIFY_ABOVE", 100)
    # when
    out = selectors.layer_geojson(layer=layer)
    # then
    assert out["layer"]["simplified"] is True
    assert len(out["features"][0]["geometry"]["coordinates"]) < 10
    assert selectors.layer_point_count(layer=layer) == 200
