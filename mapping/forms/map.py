"""The map page's filters, read from the query string of the data requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mapping.models import Verification
from mapping.selectors.items import MapFilters
from monitoring.models import Category, Platform

# The time window slider's stops, in hours (0 = everything).
WINDOW_HOURS = (1, 3, 6, 12, 24, 48, 168, 0)


class MapFilterForm(forms.Form):
    category = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, required=False
    )
    verification = forms.MultipleChoiceField(
        label=_("Verification"), choices=Verification.choices, required=False
    )
    platform = forms.MultipleChoiceField(
        label=_("Platforms"), choices=Platform.choices, required=False
    )
    hours = forms.TypedChoiceField(
        label=_("Time window"),
        choices=[(h, h) for h in WINDOW_HOURS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)

    def map_filters(self, *, now: dt.datetime | None = None) -> MapFilters:
        """The filters (call after is_valid())."""
        data: dict[str, Any] = self.cleaned_data
        hours = data.get("hours") or 0
        since = (now or timezone.now()) - dt.timedelta(hours=hours) if hours else None
        return MapFilters(
            categories=frozenset(data.get("category") or ()),
            verifications=frozenset(data.get("verification") or ()),
            platforms=frozenset(data.get("platform") or ()),
            since=since,
            urgent_only=bool(data.get("urgent")),
        )
