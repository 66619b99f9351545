"""Forms of the help to the population pages (input only; services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from publichelp.models import (
    AidEntry,
    Language,
    ReplyTemplate,
    Situation,
    validate_placeholders,
    validate_web_url,
)
from publichelp.selectors import DEFAULT_MATCH_DISTANCE_M, MAX_MATCH_DISTANCE_M


def _blank(choices: Any, label: StrOrPromise) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class AidFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=_blank(AidEntry.Kind.choices, _("Needs and offers")),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=_blank(AidEntry.Category.choices, _("All categories")),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open and matched")),
            *AidEntry.Status.choices,
            ("all", _("All statuses")),
        ],
    )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or ""
        if status == "all":
            statuses: list[str] = []
        elif status:
            statuses = [status]
        else:
            statuses = [AidEntry.Status.OPEN, AidEntry.Status.MATCHED]
        return {
            "kind": data.get("kind") or None,
            "category": data.get("category") or None,
            "statuses": statuses,
        }


class AidEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AidEntry.Kind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=AidEntry.Category.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_(
            "What is needed or offered, in a few words. No names, phone numbers, "
            "e-mails or exact addresses: phone numbers and e-mails are removed."
        ),
    )
    place_name = forms.CharField(
        label=_("Commune or place"),
        max_length=200,
        required=False,
        help_text=_("Used to place the entry when no point is given."),
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90
    )
    lon = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    radius_m = forms.IntegerField(
        label=_("Radius (m)"), required=False, min_value=1, max_value=50_000
    )
    post = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            raise ValidationError(
                _("Give both the latitude and the longitude, or neither.")
            )
        if lat is None and not (data.get("place_name") or "").strip():
            raise ValidationError(_("Give a commune or a point (latitude, longitude)."))
        return data

    def point(self) -> Point | None:
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("lon")
        return None if lat is None or lon is None else Point(lon, lat, srid=4326)


class AidStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AidEntry.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AidMatchForm(forms.Form):
    other = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MatchDistanceForm(forms.Form):
    km = forms.IntegerField(
        label=_("Within (km)"),
        required=False,
        min_value=1,
        max_value=MAX_MATCH_DISTANCE_M // 1000,
    )

    def meters(self) -> int:
        if self.is_valid() and self.cleaned_data.get("km"):
            return int(self.cleaned_data["km"]) * 1000
        return DEFAULT_MATCH_DISTANCE_M


class ReplyFilterForm(forms.Form):
    situation = forms.ChoiceField(
        label=_("Situation"),
        required=False,
        choices=_blank(Situation.choices, _("All situations")),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=_blank(Language.choices, _("All languages")),
    )

    def values(self) -> dict[str, str | None]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "situation": data.get("situation") or None,
            "language": data.get("language") or None,
        }


class ReplyTemplateForm(forms.Form):
    situation = forms.ChoiceField(label=_("Situation"), choices=Situation.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_placeholders],
        help_text=ReplyTemplate._meta.get_field("body").help_text,
    )
    resource_urls = forms.CharField(
        label=_("Official resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One http:// or https:// address a line (at most 8)."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_resource_urls(self) -> list[str]:
        lines = [
            line.strip()
            for line in (self.cleaned_data.get("resource_urls") or "").splitlines()
            if line.strip()
        ]
        if len(lines) > 8:
            raise ValidationError(_("At most 8 addresses."))
        for line in lines:
            validate_web_url(line)
        return lines


class ReplyValuesForm(forms.Form):
    official_url = forms.CharField(
        label=_("Official website"),
        max_length=300,
        required=False,
        validators=[validate_web_url],
        help_text=_("The prefecture's or the authority's page about the event."),
    )
    emergency_number = forms.CharField(
        label=_("Emergency number"), max_length=20, initial="112"
    )
    shelter = forms.CharField(
        label=_("Shelter"),
        max_length=300,
        required=False,
        help_text=_("Where people can find shelter, as the authority announced it."),
    )
    authority = forms.CharField(
        label=_("Authority"),
        max_length=200,
        required=False,
        help_text=_("Name used in replies; the requesting authority's name if empty."),
    )
