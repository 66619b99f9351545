"""The form asking for a map export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mapping.models import MapExport


class MapExportForm(forms.Form):
    """Format and content of an export; naming the authors is offered to
    coordinators only (``can_name_authors``); for others it is always off."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=MapExport.Format.choices,
        initial=MapExport.Format.GEOJSON,
        widget=forms.RadioSelect,
    )
    include_items = forms.BooleanField(
        label=_("Verified items"), required=False, initial=True
    )
    include_incidents = forms.BooleanField(
        label=_("Incidents"), required=False, initial=True
    )
    name_authors = forms.BooleanField(
        label=_("Name the authors"),
        required=False,
        initial=False,
        help_text=_(
            "Exports show a pseudonym for each author (the same one for the same "
            "account). Tick this to export their handles and the links to their "
            "posts instead: personal data, share it only as your agreement allows."
        ),
    )

    def __init__(self, *args: Any, can_name_authors: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_name_authors:
            del self.fields["name_authors"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and not (
            data.get("include_items") or data.get("include_incidents")
        ):
            raise forms.ValidationError(
                _("Choose what to export: verified items, incidents or both."),
                code="nothing",
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "format": data["format"],
            "include_items": data["include_items"],
            "include_incidents": data["include_incidents"],
            "pseudonymise": not data.get("name_authors", False),
        }
