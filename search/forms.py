"""The search form: words and filters read from a query string (page, API, saved
searches all parse their parameters with it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.utils.translation import gettext_lazy as _

from monitoring.models import Category, Platform
from search.selectors import MAX_QUERY_LENGTH, SearchParams
from vost.geo import AreaFileError, area_from_geojson

FILTER_FIELDS = (
    "q",
    "platform",
    "lang",
    "category",
    "place",
    "bbox",
    "area",
    "since",
    "until",
    "verified",
    "order",
)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _(
                "The search is too long: keep it under %(limit_value)d characters."
            )
        },
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _('e.g. evacuation "rue de la gare" -exercise'),
            }
        ),
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        required=False,
        choices=[("", _("All platforms")), *Platform.choices],
    )
    lang = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), ("fr", _("French")), ("en", _("English"))],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    place = forms.CharField(label=_("Place name"), required=False, max_length=200)
    bbox = forms.CharField(
        label=_("Area (box)"),
        required=False,
        max_length=200,
        help_text=_("west,south,east,north in degrees, e.g. 3.8,43.5,4.0,43.7"),
    )
    area = forms.CharField(
        label=_("Area (GeoJSON polygon)"),
        required=False,
        max_length=100_000,
        widget=forms.HiddenInput,
    )
    since = forms.DateTimeField(label=_("From"), required=False)
    until = forms.DateTimeField(label=_("Until"), required=False)
    verified = forms.BooleanField(label=_("Verified only"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("date", _("Newest first")), ("rank", _("Best match first"))],
    )

    def clean_bbox(self) -> Polygon | None:
        raw: str = self.cleaned_data.get("bbox") or ""
        if not raw.strip():
            return None
        try:
            west, south, east, north = (float(part) for part in raw.split(","))
        except ValueError:
            raise forms.ValidationError(
                _("Give the box as four numbers: west,south,east,north."),
                code="invalid_bbox",
            ) from None
        if not (
            -180 <= west < east <= 180 and -90 <= south < north <= 90
        ):  # also refuses NaN
            raise forms.ValidationError(
                _("This box is not valid: west < east and south < north, in degrees."),
                code="invalid_bbox",
            )
        box = Polygon.from_bbox((west, south, east, north))
        box.srid = 4326
        return box

    def clean_area(self) -> GEOSGeometry | None:
        raw: str = self.cleaned_data.get("area") or ""
        if not raw.strip():
            return None
        try:
            return area_from_geojson(raw)
        except AreaFileError as exc:
            raise forms.ValidationError(str(exc), code="invalid_area") from None
        except Exception:  # GDAL/GEOS parse errors on malformed geometry
            raise forms.ValidationError(
                _("This area is not a valid GeoJSON polygon."), code="invalid_area"
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def params(self) -> SearchParams:
        """The validated search (call after is_valid())."""
        data = self.cleaned_data
        return SearchParams(
            query=(data.get("q") or "").strip(),
            platform=data.get("platform") or "",
            lang=data.get("lang") or "",
            category=data.get("category") or "",
            place=(data.get("place") or "").strip(),
            area=data.get("area") or data.get("bbox"),
            since=data.get("since"),
            until=data.get("until"),
            verified_only=bool(data.get("verified")),
            order=data.get("order") or "date",
        )

    def filters_to_save(self) -> dict[str, str]:
        """The submitted filters as strings (not the words), to store on a saved search."""
        return {
            name: str(self.data.get(name, "")).strip()
            for name in FILTER_FIELDS
            if name != "q" and str(self.data.get(name, "")).strip()
        }


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    alerts_enabled = forms.BooleanField(label=_("Alert followers"), required=False)
