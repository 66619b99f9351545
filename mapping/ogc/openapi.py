"""The OpenAPI 3.0 definition of one activation's OGC API (``/ogc/<slug>/api``).

Written by hand, as OGC API - Features Part 1 describes the resources: every
path, parameter, status code and the security schemes (/req/oas30/completeness,
/req/oas30/security). The collection ids of the activation are listed as the
``collectionId`` enum.
"""

from __future__ import annotations

from typing import Any, Final

from django.utils.translation import gettext as _

from mapping.ogc.http import GEOJSON, JSON, OPENAPI
from mapping.ogc.params import LIMIT_DEFAULT, LIMIT_MAX

_SCHEMA_LINK: Final = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
}
_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"{_REF}{name}"}


def _json(
    schema: dict[str, Any], description: str, media: str = JSON
) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    descriptions = {
        400: _("A query parameter is unknown, repeated or invalid."),
        401: _("No credentials, or an unknown or revoked API token."),
        403: _("Your role in the activation does not allow this."),
        404: _("No such activation for you, collection or feature."),
        405: _("Only GET and HEAD are allowed."),
        500: _("Server error."),
    }
    return {str(code): _json(_ref("exception"), descriptions[code]) for code in codes}


_COMMON_ERRORS: Final = (401, 403, 404, 405, 500)


def _operation(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    parameters: list[dict[str, Any]],
    f: str = "f",
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{f}"}, *parameters],
            "responses": {"200": ok, **_errors(400, *_COMMON_ERRORS)},
        }
    }


def openapi_document(
    *, title: str, server_url: str, collection_ids: list[str]
) -> dict[str, Any]:
    """The definition, with ``server_url`` the activation's landing page."""
    p = "#/components/parameters/"
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": _(
                "OGC API - Features (Part 1: Core, GeoJSON, OpenAPI 3.0), read-only. "
                "Authenticate with HTTP Basic (your user name or email and your API "
                "token as the password), an Authorization: Token <key> header, or "
                "a browser session. Tokens are never accepted in the URL."
            ),
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "security": [
            {"basicToken": []},
            {"tokenHeader": []},
            {"bearerToken": []},
            {"session": []},
        ],
        "paths": {
            "/": _operation(
                "getLandingPage",
                _("Landing page"),
                _json(_ref("landingPage"), _("Links to the API's resources.")),
                [],
            ),
            "/conformance": _operation(
                "getConformanceDeclaration",
                _("Conformance classes implemented"),
                _json(_ref("confClasses"), _("The conformance classes.")),
                [],
            ),
            "/api": {
                "get": {
                    "operationId": "getApiDefinition",
                    "summary": _("This API definition"),
                    "parameters": [{"$ref": f"{p}f"}],
                    "responses": {
                        "200": _json({"type": "object"}, _("OpenAPI 3.0"), OPENAPI),
                        **_errors(400, *_COMMON_ERRORS),
                    },
                }
            },
            "/api.html": {
                "get": {
                    "operationId": "getApiDocumentation",
                    "summary": _("This API definition, as a web page"),
                    "responses": {
                        "200": {
                            "description": _("HTML"),
                            "content": {"text/html": {"schema": {"type": "string"}}},
                        },
                        **_errors(*_COMMON_ERRORS),
                    },
                }
            },
            "/collections": _operation(
                "getCollections",
                _("The feature collections"),
                _json(_ref("collections"), _("The collections and their extents.")),
                [],
            ),
            "/collections/{collectionId}": _operation(
                "describeCollection",
                _("One feature collection"),
                _json(_ref("collection"), _("The collection's metadata.")),
                [{"$ref": f"{p}collectionId"}],
            ),
            "/collections/{collectionId}/items": _operation(
                "getFeatures",
                _("Features of a collection"),
                _json(
                    _ref("featureCollectionGeoJSON"),
                    _(
                        "A page of features in GeoJSON; follow the 'next' link for "
                        "the following page."
                    ),
                    GEOJSON,
                ),
                [
                    {"$ref": f"{p}collectionId"},
                    {"$ref": f"{p}limit"},
                    {"$ref": f"{p}offset"},
                    {"$ref": f"{p}bbox"},
                    {"$ref": f"{p}datetime"},
                ],
                f="fFeatures",
            ),
            "/collections/{collectionId}/items/{featureId}": _operation(
                "getFeature",
                _("One feature"),
                _json(_ref("featureGeoJSON"), _("The feature."), GEOJSON),
                [{"$ref": f"{p}collectionId"}, {"$ref": f"{p}featureId"}],
                f="fFeatures",
            ),
        },
        "components": {
            "securitySchemes": {
                "basicToken": {
                    "type": "http",
                    "scheme": "basic",
                    "description": _(
                        "User name (or email) and the API token as the password."
                    ),
                },
                "tokenHeader": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Token <key>",
                },
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
            "parameters": {
                "f": {
                    "name": "f",
                    "in": "query",
                    "required": False,
                    "description": _("Format: json, the only one."),
                    "schema": {"type": "string", "enum": ["json"]},
                    "style": "form",
                    "explode": False,
                },
                "fFeatures": {
                    "name": "f",
                    "in": "query",
                    "required": False,
                    "description": _("Format: json or geojson, the same GeoJSON."),
                    "schema": {"type": "string", "enum": ["json", "geojson"]},
                    "style": "form",
                    "explode": False,
                },
                "collectionId": {
                    "name": "collectionId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": collection_ids},
                },
                "featureId": {
                    "name": "featureId",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                },
                "limit": {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": _(
                        "At most this many features (a larger value gives %(max)s)."
                    )
                    % {"max": LIMIT_MAX},
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": LIMIT_MAX,
                        "default": LIMIT_DEFAULT,
                    },
                    "style": "form",
                    "explode": False,
                },
                "offset": {
                    "name": "offset",
                    "in": "query",
                    "required": False,
                    "description": _("Skip this many features (used by 'next' links)."),
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                    "style": "form",
                    "explode": False,
                },
                "bbox": {
                    "name": "bbox",
                    "in": "query",
                    "required": False,
                    "description": _(
                        "minx,miny,maxx,maxy in WGS 84 longitude/latitude (six "
                        "numbers with heights, ignored); minx > maxx crosses the "
                        "antimeridian."
                    ),
                    "schema": {
                        "type": "array",
                        "oneOf": [
                            {"minItems": 4, "maxItems": 4},
                            {"minItems": 6, "maxItems": 6},
                        ],
                        "items": {"type": "number"},
                    },
                    "style": "form",
                    "explode": False,
                },
                "datetime": {
                    "name": "datetime",
                    "in": "query",
                    "required": False,
                    "description": _(
                        "An RFC 3339 date-time or an interval start/end ('..' or "
                        "nothing: open). Reports: their time; incidents: from start "
                        "to end; reference layers have no time and always match."
                    ),
                    "schema": {"type": "string"},
                    "style": "form",
                    "explode": False,
                },
            },
            "schemas": {
                "link": _SCHEMA_LINK,
                "exception": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {"type": "string"},
                        "description": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
                "landingPage": {
                    "type": "object",
                    "required": ["links"],
                    "properties": {
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "links": {"type": "array", "items": _ref("link")},
                    },
                },
                "confClasses": {
                    "type": "object",
                    "required": ["conformsTo"],
                    "properties": {
                        "conformsTo": {"type": "array", "items": {"type": "string"}}
                    },
                },
                "extent": {
                    "type": "object",
                    "properties": {
                        "spatial": {
                            "type": "object",
                            "properties": {
                                "bbox": {
                                    "type": "array",
                                    "items": {
                                        "type": "array",
                                        "items": {"type": "number"},
                                    },
                                },
                                "crs": {"type": "string"},
                            },
                        },
                        "temporal": {
                            "type": "object",
                            "properties": {
                                "interval": {
                                    "type": "array",
                                    "items": {
                                        "type": "array",
                                        "items": {
                                            "type": "string",
                                            "format": "date-time",
                                            "nullable": True,
                                        },
                                    },
                                },
                                "trs": {"type": "string"},
                            },
                        },
                    },
                },
                "collection": {
                    "type": "object",
                    "required": ["id", "links"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "links": {"type": "array", "items": _ref("link")},
                        "extent": _ref("extent"),
                        "itemType": {"type": "string"},
                        "crs": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "collections": {
                    "type": "object",
                    "required": ["links", "collections"],
                    "properties": {
                        "links": {"type": "array", "items": _ref("link")},
                        "collections": {"type": "array", "items": _ref("collection")},
                    },
                },
                "featureGeoJSON": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                        "geometry": {"type": "object", "nullable": True},
                        "properties": {"type": "object", "nullable": True},
                        "links": {"type": "array", "items": _ref("link")},
                    },
                },
                "featureCollectionGeoJSON": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {"type": "array", "items": _ref("featureGeoJSON")},
                        "links": {"type": "array", "items": _ref("link")},
                        "timeStamp": {"type": "string", "format": "date-time"},
                        "numberMatched": {"type": "integer", "minimum": 0},
                        "numberReturned": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    }
