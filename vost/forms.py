"""Form pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import MultiPolygon
from django.utils.translation import gettext_lazy as _

from vost.geo import MAX_BYTES, AreaFileError, area_from_geojson, area_from_upload


class AreaField(forms.CharField):
    """A MultiPolygon edited as GeoJSON text (the map editor in static/js/map.js writes it)."""

    widget = forms.Textarea(
        attrs={"rows": 3, "class": "geojson", "spellcheck": "false"}
    )

    def to_python(self, value: Any) -> MultiPolygon | None:  # type: ignore[override]
        if isinstance(value, MultiPolygon):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            return area_from_geojson(text)
        except AreaFileError as exc:
            raise forms.ValidationError(str(exc), code="invalid_area") from exc

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, MultiPolygon):
            return value.geojson
        return value


class AreaUploadMixin(forms.Form):
    """Adds an optional GeoJSON/KML/KMZ upload that replaces the drawn area.

    The form must have an AreaField named by ``area_field_name``.
    """

    area_field_name = "area"
    area_file = forms.FileField(
        label=_("or upload a file"),
        required=False,
        help_text=_("GeoJSON, KML or KMZ, at most 5 MB, coordinates in WGS 84."),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,.kml,.kmz"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("area_file")
        if upload:
            if upload.size > MAX_BYTES:
                self.add_error("area_file", _("The file is too large (at most 5 MB)."))
                return cleaned
            try:
                cleaned[self.area_field_name] = area_from_upload(
                    name=upload.name, data=upload.read()
                )
            except AreaFileError as exc:
                self.add_error("area_file", str(exc))
            else:
                self.errors.pop(
                    self.area_field_name, None
                )  # the file replaces the drawing
        return cleaned
