"""The OGC API's JSON documents: landing page, conformance, collections, GeoJSON.

Links are absolute and every one has ``rel`` and ``type`` (/req/core/fc-rel-type).
Feature properties never name a post's author: ``author`` is the activation's
pseudonym of the handle (``vost.pseudonyms``) and the post's URL is left out
(it names the account). Liaisons never get an item's case number nor the note
of an incident (the team's internals); they only see confirmed incidents.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from activations.models import Activation
from activations.permissions import Action, role_allows
from mapping.models import Incident, Verification
from mapping.ogc.http import GEOJSON, HTML, JSON, OPENAPI
from mapping.ogc.selectors import (
    PRECISION,
    Collection,
    CollectionExtent,
    FeaturePage,
    Kind,
    exercise_note,
)
from mapping.selectors.items import sees_verified_only
from monitoring.models import Category
from vost.pseudonyms import pseudonym

CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN: Final = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_CONF: Final = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CONFORMANCE: Final = [f"{_CONF}core", f"{_CONF}geojson", f"{_CONF}oas30"]


def iso(moment: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with a ``Z``."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    entry = {"href": href, "rel": rel, "type": type_}
    if title:
        entry["title"] = title
    return entry


class Documents:
    """Builds the documents of one activation for one request (absolute links)."""

    def __init__(self, request: HttpRequest, activation: Activation) -> None:
        self.request = request
        self.activation = activation
        self.team = not sees_verified_only(activation)
        self.show_cases = role_allows(
            getattr(activation, "viewer_role", None), Action.VIEW_CASES
        )
        self._pseudonyms: dict[tuple[str, str], str] = {}

    def url(self, name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
        path = reverse(f"ogc:{name}", args=[self.activation.slug, *args])
        if query:
            path += "?" + urlencode(query)
        return self.request.build_absolute_uri(path)

    def self_url(self) -> str:
        return self.request.build_absolute_uri()

    # --- landing page, conformance ------------------------------------------------
    def landing(self) -> dict[str, Any]:
        title = self.activation.title
        if self.activation.is_exercise:
            title = _("EXERCISE - %(title)s") % {"title": title}
        return {
            "title": title,
            "description": exercise_note(
                self.activation,
                _(
                    "Operational map of the activation as OGC API - Features: "
                    "verified reports, incidents and reference layers, in WGS 84 "
                    "longitude/latitude (GeoJSON)."
                ),
            ),
            "links": [
                link(self.self_url(), "self", JSON, _("This document")),
                link(self.url("api"), "service-desc", OPENAPI, _("API definition")),
                link(self.url("api-docs"), "service-doc", HTML, _("API documentation")),
                link(
                    self.url("conformance"),
                    "conformance",
                    JSON,
                    _("Conformance classes implemented"),
                ),
                link(self.url("collections"), "data", JSON, _("Collections")),
            ],
        }

    def conformance(self) -> dict[str, Any]:
        return {"conformsTo": CONFORMANCE}

    # --- collections ------------------------------------------------------------------
    def collection(
        self, collection: Collection, extent: CollectionExtent | None
    ) -> dict[str, Any]:
        bbox = extent.bbox if extent is not None else None
        # Rounded as the features' coordinates are, so it still holds them all.
        if bbox is None:  # nothing yet: the activation's area, so clients can zoom
            bbox = self.activation.area.extent if self.activation.area else None
        extent_doc: dict[str, Any] = {}
        if bbox is not None:
            extent_doc["spatial"] = {
                "bbox": [[round(v, PRECISION) for v in bbox]],
                "crs": CRS84,
            }
        if extent is not None and extent.interval is not None:
            start, end = extent.interval
            extent_doc["temporal"] = {
                "interval": [[iso(start), iso(end)]],
                "trs": GREGORIAN,
            }
        doc: dict[str, Any] = {
            "id": collection.id,
            "title": collection.title,
            "description": collection.description,
            "itemType": "feature",
            "crs": [CRS84],
            "links": [
                link(
                    self.url("collection", collection.id),
                    "self",
                    JSON,
                    collection.title,
                ),
                link(
                    self.url("items", collection.id),
                    "items",
                    GEOJSON,
                    _("Features of %(title)s") % {"title": collection.title},
                ),
            ],
        }
        if extent_doc:
            doc["extent"] = extent_doc
        return doc

    def collections(
        self, collections: list[Collection], extents: dict[str, CollectionExtent]
    ) -> dict[str, Any]:
        return {
            "links": [link(self.self_url(), "self", JSON, _("Collections"))],
            "collections": [self.collection(c, extents.get(c.id)) for c in collections],
        }

    # --- features ---------------------------------------------------------------------
    def feature(self, collection: Collection, row: dict[str, Any]) -> dict[str, Any]:
        if collection.kind == Kind.ITEMS:
            feature = self._item(row)
        elif collection.kind == Kind.INCIDENTS:
            feature = self._incident(row)
        else:
            feature = self._reference(row)
        feature["properties"]["exercise"] = self.activation.is_exercise
        return feature

    def feature_collection(
        self,
        collection: Collection,
        page: FeaturePage,
        *,
        limit: int,
        offset: int,
        query: dict[str, str],
    ) -> dict[str, Any]:
        """A page of features with ``next``/``prev`` links that keep ``query``
        (bbox, datetime, f) and move ``offset`` by ``limit``."""
        features = [self.feature(collection, row) for row in page.rows]
        links = [
            link(self.self_url(), "self", GEOJSON, _("This page")),
            link(
                self.url("collection", collection.id),
                "collection",
                JSON,
                collection.title,
            ),
        ]
        if offset + len(features) < page.number_matched:
            next_query = {**query, "limit": limit, "offset": offset + len(features)}
            links.append(
                link(
                    self.url("items", collection.id, query=next_query),
                    "next",
                    GEOJSON,
                    _("Next page"),
                )
            )
        if offset > 0:
            prev_query = {**query, "limit": limit, "offset": max(0, offset - limit)}
            links.append(
                link(
                    self.url("items", collection.id, query=prev_query),
                    "prev",
                    GEOJSON,
                    _("Previous page"),
                )
            )
        return {
            "type": "FeatureCollection",
            "timeStamp": iso(timezone.now()),
            "numberMatched": page.number_matched,
            "numberReturned": len(features),
            "features": features,
            "links": links,
        }

    def feature_document(
        self, collection: Collection, row: dict[str, Any]
    ) -> dict[str, Any]:
        feature = self.feature(collection, row)
        feature["links"] = [
            link(self.self_url(), "self", GEOJSON, _("This feature")),
            link(
                self.url("collection", collection.id),
                "collection",
                JSON,
                collection.title,
            ),
        ]
        return feature

    def _author(self, handle: str, platform: str) -> str:
        key = (handle, platform)
        if key not in self._pseudonyms:
            self._pseudonyms[key] = pseudonym(
                handle, activation_id=self.activation.pk, platform=platform
            )
        return self._pseudonyms[key]

    def _item(self, row: dict[str, Any]) -> dict[str, Any]:
        category = row["category"]
        incident = row["incident__number"]
        if incident is not None and not (
            self.team or row["incident__status"] == Incident.Status.CONFIRMED
        ):
            incident = None
        return {
            "type": "Feature",
            "id": row["cluster_id"],
            "geometry": {
                "type": "Point",
                "coordinates": [
                    round(row["lon"], PRECISION),
                    round(row["lat"], PRECISION),
                ],
            },
            "properties": {
                "category": category,
                "category_label": _label(Category, category),
                "verification": row["verification"],
                "verification_label": _label(Verification, row["verification"]),
                "urgent": row["urgent"],
                "platform": row["platform"],
                "observed_at": iso(row["observed_at"]),
                "summary": row["summary"],
                "place_name": row["place_name"],
                "radius_m": row["radius_m"],
                "author": self._author(row["author_handle"], row["platform"]),
                "case": row["case__number"] if self.show_cases else None,
                "incident": incident,
            },
        }

    def _incident(self, row: dict[str, Any]) -> dict[str, Any]:
        geometry = row["footprint_json"] or row["centroid_json"]
        return {
            "type": "Feature",
            "id": row["number"],
            "geometry": json.loads(geometry) if geometry else None,
            "properties": {
                "number": row["number"],
                "title": row["title"],
                "category": row["category"],
                "category_label": _label(Category, row["category"]),
                "started_at": iso(row["started_at"]),
                "ended_at": iso(row["ended_at"]),
                "item_count": row["item_count"],
                "confirmed_at": iso(row["confirmed_at"]),
                "note": row["note"] if self.team else None,
            },
        }

    def _reference(self, row: dict[str, Any]) -> dict[str, Any]:
        properties = (
            dict(row["properties"]) if isinstance(row["properties"], dict) else {}
        )
        if row["name"]:
            properties["name"] = row["name"]
        geometry = row["geometry_json"]
        return {
            "type": "Feature",
            "id": row["pk"],
            "geometry": json.loads(geometry) if geometry else None,
            "properties": properties,
        }


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value
