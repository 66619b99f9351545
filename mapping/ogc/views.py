"""OGC API - Features endpoints of one activation, under /ogc/<slug>/.

Thin: ``ogc_endpoint`` authenticates and gets the activation (VIEW_MAP), the
parameters are checked by ``mapping.ogc.params``, the data read by
``mapping.ogc.selectors`` and written out by ``mapping.ogc.documents``.

Everything is JSON (GeoJSON for features), whatever the Accept header: the only
HTML is the API definition's page (``api.html``, Swagger UI, for people).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from activations.models import Activation
from mapping.ogc.documents import Documents
from mapping.ogc.http import (
    GEOJSON,
    JAVASCRIPT,
    OPENAPI,
    OgcError,
    json_response,
    ogc_endpoint,
)
from mapping.ogc.openapi import openapi_document
from mapping.ogc.params import (
    check_params,
    parse_bbox,
    parse_datetime,
    parse_limit,
    parse_offset,
)
from mapping.ogc.selectors import (
    ogc_collection_get,
    ogc_collections,
    ogc_extents,
    ogc_feature,
    ogc_features,
)

FEATURE_FORMATS = ("json", "geojson")
_SWAGGER = "drf_spectacular_sidecar/swagger-ui-dist/"


@ogc_endpoint
def landing(request: HttpRequest, activation: Activation) -> HttpResponse:
    check_params(request.GET)
    return json_response(Documents(request, activation).landing())


@ogc_endpoint
def conformance(request: HttpRequest, activation: Activation) -> HttpResponse:
    check_params(request.GET)
    return json_response(Documents(request, activation).conformance())


@ogc_endpoint
def api(request: HttpRequest, activation: Activation) -> HttpResponse:
    check_params(request.GET)
    docs = Documents(request, activation)
    document = openapi_document(
        title=docs.landing()["title"],
        server_url=docs.url("landing"),
        collection_ids=[c.id for c in ogc_collections(activation=activation)],
    )
    return json_response(document, content_type=OPENAPI)


@ogc_endpoint
def api_docs(request: HttpRequest, activation: Activation) -> HttpResponse:
    """The API definition for people (Swagger UI; its script is a static file and
    ``api.js``, no inline script)."""
    check_params(request.GET, formats=("html",))
    return render(
        request,
        "drf_spectacular/swagger_ui.html",
        {
            "title": activation.title,
            "swagger_ui_css": static(f"{_SWAGGER}swagger-ui.css"),
            "swagger_ui_bundle": static(f"{_SWAGGER}swagger-ui-bundle.js"),
            "swagger_ui_standalone": static(
                f"{_SWAGGER}swagger-ui-standalone-preset.js"
            ),
            "favicon_href": static(f"{_SWAGGER}favicon-32x32.png"),
            "script_url": reverse("ogc:api-docs-script", args=[activation.slug]),
        },
    )


@ogc_endpoint
def api_docs_script(request: HttpRequest, activation: Activation) -> HttpResponse:
    check_params(request.GET, formats=())
    return render(
        request,
        "drf_spectacular/swagger_ui.js",
        {
            "schema_url": reverse("ogc:api", args=[activation.slug]),
            "settings": "{}",
            "oauth2_config": "",
            "csrf_header_name": "X-CSRFToken",
            "schema_auth_names": "[]",
        },
        content_type=JAVASCRIPT,
    )


@ogc_endpoint
def collections(request: HttpRequest, activation: Activation) -> HttpResponse:
    check_params(request.GET)
    found = ogc_collections(activation=activation)
    extents = ogc_extents(activation=activation, collections=found)
    return json_response(Documents(request, activation).collections(found, extents))


@ogc_endpoint
def collection(
    request: HttpRequest, activation: Activation, collection_id: str
) -> HttpResponse:
    found = ogc_collection_get(activation=activation, collection_id=collection_id)
    check_params(request.GET)
    extents = ogc_extents(activation=activation, collections=[found])
    return json_response(
        Documents(request, activation).collection(found, extents.get(found.id))
    )


@ogc_endpoint
def items(
    request: HttpRequest, activation: Activation, collection_id: str
) -> HttpResponse:
    found = ogc_collection_get(activation=activation, collection_id=collection_id)
    query = request.GET
    check_params(
        query, allowed=("limit", "offset", "bbox", "datetime"), formats=FEATURE_FORMATS
    )
    limit = parse_limit(query.get("limit"))
    offset = parse_offset(query.get("offset"))
    page = ogc_features(
        activation=activation,
        collection=found,
        bbox=parse_bbox(query.get("bbox")),
        time=parse_datetime(query.get("datetime")),
        limit=limit,
        offset=offset,
    )
    kept = {k: query[k] for k in ("bbox", "datetime", "f") if k in query}
    return json_response(
        Documents(request, activation).feature_collection(
            found, page, limit=limit, offset=offset, query=kept
        ),
        content_type=GEOJSON,
    )


@ogc_endpoint
def item(
    request: HttpRequest, activation: Activation, collection_id: str, feature_id: str
) -> HttpResponse:
    found = ogc_collection_get(activation=activation, collection_id=collection_id)
    check_params(request.GET, formats=FEATURE_FORMATS)
    row = ogc_feature(activation=activation, collection=found, feature_id=feature_id)
    if row is None:
        raise OgcError(404, "NotFound", _("No such feature in this collection."))
    return json_response(
        Documents(request, activation).feature_document(found, row),
        content_type=GEOJSON,
    )
