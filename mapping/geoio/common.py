"""What the readers of reference layer files share: limits, errors, the result."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from vost.geofiles import GeoFileError

Scalar = str | int | float | bool | None
BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
SRID = 4326


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may cost (the defaults; tests pass smaller ones)."""

    max_bytes: int = 10 * 1024 * 1024  # the uploaded file
    max_uncompressed: int = 20 * 1024 * 1024  # the KML inside a KMZ
    max_kmz_entries: int = 100
    max_features: int = 20_000
    max_vertices: int = 500_000  # points of all features together
    max_depth: int = 4  # collections in collections
    max_properties: int = 50  # per feature
    max_key: int = 100
    max_text: int = 500  # a property value, a description
    max_name: int = 200  # ReferenceFeature.name


DEFAULT_LIMITS = Limits()


class LayerFileError(GeoFileError):
    """The file cannot be used as a reference layer; the message says why."""


class LimitExceeded(LayerFileError):
    """The file is over one of the limits (not a problem of one feature)."""


@dataclass(frozen=True)
class LayerFeature:
    """One feature read from a file: a geometry (EPSG:4326), a name, plain properties."""

    geometry: GEOSGeometry
    name: str = ""
    properties: dict[str, Scalar] = field(default_factory=dict)


class Budget:
    """Points left before the file is over ``Limits.max_vertices``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise LimitExceeded(
                _("The file has too many points (at most %(n)s in all).")
                % {"n": f"{self.limit:,}"}
            )


def too_many_features(limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        _("The file has too many features (at most %(n)s).")
        % {"n": f"{limits.max_features:,}"}
    )
