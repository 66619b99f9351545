"""Reference layers pages: role matrix, CSRF, IDOR, escaping, refused uploads."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from activations.models import ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from mapping.models import ReferenceFeature, ReferenceLayer
from mapping.services import layers as services
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
DATA = Path(__file__).parent / "data" / "layers"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_layer(activation, name="Secteurs", file_name="sectors.kml", data=None):
    by = make_member(activation, Role.TEAM_LEAD).user
    return services.layer_create(
        activation=activation,
        by=by,
        name=name,
        kind=ReferenceLayer.Kind.SECTORS,
        description="Fourni par le SDIS",
        colour="#e31a1c",
        shown_by_default=True,
        file_name=file_name,
        data=data if data is not None else (DATA / file_name).read_bytes(),
    )


def a_file(name="shelters_points.geojson", content=None):
    return SimpleUploadedFile(
        name, content if content is not None else (DATA / name).read_bytes()
    )


def upload_form(**fields):
    return {
        "file": a_file(),
        "name": "Centres d'hébergement",
        "kind": "shelters",
        "colour": "#33a02c",
        "description": "Liste de la préfecture",
        "shown_by_default": "on",
    } | fields


def edit_form(**fields):
    return {
        "name": "Secteurs (v2)",
        "kind": "hazard",
        "colour": "#1f78b4",
        "description": "Mise à jour",
    } | fields


def state():
    return (
        list(ReferenceLayer.objects.order_by("pk").values()),
        ReferenceFeature.objects.count(),
        LogEntry.objects.count(),
    )


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _list_url(activation):
    return reverse("mapping:layer-list", args=[activation.slug])


def _detail_url(layer, activation=None):
    return reverse(
        "mapping:layer-detail", args=[(activation or layer.activation).slug, layer.pk]
    )


def _geojson_url(layer, activation=None):
    return reverse(
        "mapping:layer-geojson", args=[(activation or layer.activation).slug, layer.pk]
    )


# --- role matrix ----------------------------------------------------------------------
PAGES = {
    # name: (method, action, url(activation), payload, expected when allowed)
    "list": ("get", Action.VIEW_MAP, _list_url, None, 200),
    "upload": ("post", Action.MANAGE_LAYERS, _list_url, upload_form, 302),
    "detail": ("get", Action.VIEW_MAP, lambda a: _detail_url(make_layer(a)), None, 200),
    "edit": (
        "post",
        Action.MANAGE_LAYERS,
        lambda a: _detail_url(make_layer(a)),
        edit_form,
        302,
    ),
    "delete": (
        "post",
        Action.MANAGE_LAYERS,
        lambda a: _detail_url(make_layer(a)),
        lambda: {"delete": "1"},
        302,
    ),
    "geojson": (
        "get",
        Action.VIEW_MAP,
        lambda a: _geojson_url(make_layer(a)),
        None,
        200,
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, url_for, payload, ok = PAGES[page]
    url = url_for(activation)
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    before = state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload())
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        return
    else:
        assert response.status_code == 403
    assert state() == before


def test_liaisons_and_observers_see_layers_but_no_forms(client, activation):
    layer = make_layer(activation)
    for role in (Role.LIAISON, Role.OBSERVER, Role.VOLUNTEER):
        client.force_login(make_member(activation, role).user)
        listing = client.get(_list_url(activation)).content.decode()
        detail = client.get(_detail_url(layer)).content.decode()
        assert layer.name in listing
        assert 'enctype="multipart/form-data"' not in listing
        assert "Secteur Ouest" in detail
        assert 'name="delete"' not in detail


# --- upload ----------------------------------------------------------------------------
def test_upload_adds_the_layer_and_says_so(client, activation):
    # given
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    # when
    response = client.post(_list_url(activation), upload_form(), follow=True)
    # then
    layer = ReferenceLayer.objects.get(activation=activation)
    assert layer.name == "Centres d'hébergement"
    assert layer.kind == "shelters"
    assert layer.colour == "#33a02c"
    assert layer.feature_count == 3
    assert layer.uploaded_by == lead
    page = response.content.decode()
    assert "Layer &quot;Centres d&#x27;hébergement&quot; added (3 features)." in page
    assert f'id="layer-{layer.pk}"' in page
    assert 'fill="#33a02c"' in page  # the swatch, drawn without a style attribute


def test_the_upload_form_is_multipart_with_the_accepted_types(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    page = client.get(_list_url(activation)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'accept=".geojson,.json,.kml,.kmz"' in page
    assert 'type="color"' in page
    assert "style=" not in page.split("<main", 1)[-1]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"file": a_file("wrong_crs_lambert93.geojson")},
            "file",
            "only WGS 84 longitude/latitude",
        ),
        ({"file": a_file("billion_laughs.kml")}, "file", "DOCTYPE"),
        (
            {"file": a_file("out_of_range_lambert93.geojson")},
            "file",
            "Feature 2 (&quot;Caserne Montpellier&quot;)",
        ),
        ({"file": a_file("x.shp", b"\x00")}, "file", "Unsupported file type"),
        (
            {"file": a_file("big.geojson", b" " * (10 * 1024 * 1024 + 1))},
            "file",
            "The file is too large (at most 10 MB).",
        ),
        ({"colour": "red"}, "colour", "Write the colour as #rrggbb"),
        ({"colour": 'x" onmouseover="alert(1)'}, "colour", "Write the colour"),
        ({"kind": "bunker"}, "kind", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_a_refused_upload_says_why_and_changes_nothing(
    client, activation, caplog, fields, field, message
):
    # given
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    before = state()
    # when
    with caplog.at_level(logging.WARNING):
        response = client.post(_list_url(activation), upload_form(**fields))
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert state() == before
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_taken_name_is_shown_next_to_the_name(client, activation):
    make_layer(activation, name="Abris")
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    before = state()
    response = client.post(_list_url(activation), upload_form(name="abris"))
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()
    assert "already exists in this activation" in response.content.decode()
    assert state() == before


def test_csrf_is_enforced_on_upload(activation):
    # given a coordinator with a real (CSRF-checking) browser client
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_member(activation, Role.COORDINATOR).user)
    before = state()
    # when: a forged POST without the token
    response = csrf_client.post(_list_url(activation), upload_form())
    # then
    assert response.status_code == 403
    assert state() == before
    # and with the token from the page, it works
    csrf_client.get(_list_url(activation))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        _list_url(activation), upload_form(csrfmiddlewaretoken=token)
    )
    assert response.status_code == 302
    assert ReferenceLayer.objects.filter(activation=activation).count() == 1


def test_csrf_is_enforced_on_delete(activation):
    layer = make_layer(activation)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = csrf_client.post(_detail_url(layer), {"delete": "1"})
    assert response.status_code == 403
    assert ReferenceLayer.objects.filter(pk=layer.pk).exists()


# --- one layer ---------------------------------------------------------------------------
def test_edit_saves_and_logs(client, activation):
    layer = make_layer(activation)
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    response = client.post(_detail_url(layer), edit_form())
    assert response.status_code == 302
    assert response["Location"] == _detail_url(layer)
    layer.refresh_from_db()
    assert (layer.name, layer.kind, layer.colour, layer.shown_by_default) == (
        "Secteurs (v2)",
        "hazard",
        "#1f78b4",
        False,  # the box was not ticked
    )
    assert LogEntry.objects.filter(text__contains="edited").count() == 1


def test_a_refused_edit_keeps_the_layer(client, activation):
    make_layer(activation, name="Abris")
    layer = make_layer(activation, name="Routes", file_name="old_namespace.kml")
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    before = state()
    for form in (edit_form(name="ABRIS"), edit_form(colour="#zzzzzz")):
        response = client.post(_detail_url(layer), form)
        assert response.status_code == 400
        assert 'class="error"' in response.content.decode()
    assert state() == before


def test_delete_removes_the_layer(client, activation):
    layer = make_layer(activation)
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = client.post(_detail_url(layer), {"delete": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == _list_url(activation)
    assert not ReferenceLayer.objects.filter(pk=layer.pk).exists()
    assert ReferenceFeature.objects.count() == 0
    assert "Layer &quot;Secteurs&quot; deleted." in response.content.decode()


def test_a_layer_of_another_activation_is_404_under_our_slug(client, activation):
    # given a layer elsewhere, and a coordinator here
    foreign = make_layer(ActivationFactory())
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    before = state()
    # then: every URL under our slug misses it
    assert client.get(_detail_url(foreign, activation)).status_code == 404
    assert client.get(_geojson_url(foreign, activation)).status_code == 404
    assert (
        client.post(_detail_url(foreign, activation), {"delete": "1"}).status_code
        == 404
    )
    assert client.post(_detail_url(foreign, activation), edit_form()).status_code == 404
    # and its own activation's URLs are not ours either
    assert client.get(_detail_url(foreign)).status_code == 404
    assert state() == before


def test_untrusted_text_is_escaped(client, activation):
    # given a layer whose name, description and feature text are hostile
    document = {
        "type": "Feature",
        "properties": {"name": XSS, "note": XSS},
        "geometry": {"type": "Point", "coordinates": [3.8, 43.6]},
    }
    layer = services.layer_create(
        activation=activation,
        by=make_member(activation, Role.TEAM_LEAD).user,
        name=XSS[:100],
        kind="other",
        description=XSS,
        colour="#000000",
        shown_by_default=True,
        file_name=f"{XSS}.geojson",
        data=json.dumps(document).encode(),
    )
    client.force_login(make_member(activation, Role.LIAISON).user)
    # when
    pages = [
        client.get(_list_url(activation)).content.decode(),
        client.get(_detail_url(layer)).content.decode(),
    ]
    # then
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_the_kml_description_is_shown_as_text(client, activation):
    layer = make_layer(activation)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    page = client.get(_detail_url(layer)).content.decode()
    assert "Cdt Martin" in page
    assert "<b>Cdt Martin</b>" not in page
    assert '<td class="layer-geometry">Multipolygon</td>' in page
    assert 'alert("xss")' not in page


def test_the_page_is_under_the_map_tab(client, activation):
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    page = client.get(_list_url(activation)).content.decode()
    map_url = reverse("mapping:map", args=[activation.slug])
    assert f'<a href="{map_url}" aria-current="page">' in page


# --- GeoJSON for the map --------------------------------------------------------------------
def test_geojson_for_the_map(client, activation, django_assert_num_queries):
    # given
    layer = make_layer(activation, file_name="shelters_points.geojson")
    client.force_login(make_member(activation, Role.LIAISON).user)
    # when
    with django_assert_num_queries(5):  # session, user, activation, points, features
        response = client.get(_geojson_url(layer))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["layer"]["colour"] == "#e31a1c"
    assert [f["properties"]["name"] for f in body["features"]] == [
        "Gymnase Jean Bouin",
        "Salle des fêtes de Lattes",
        "Points de distribution d'eau",
    ]


def test_geojson_only_answers_get(client, activation):
    layer = make_layer(activation)
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    assert client.post(_geojson_url(layer)).status_code == 405
    assert ReferenceLayer.objects.filter(pk=layer.pk).exists()
