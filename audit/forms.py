"""The audit trail's filters, shared by the pages, the CSV download and the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.selectors import AuditFilters

MAX_TEXT = 200


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=150,
        help_text=_("Username, exactly."),
    )
    action = forms.ChoiceField(
        label=_("What"),
        required=False,
        choices=[("", _("Any action")), *AuditEvent.Action.choices],
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Inclusive."),
    )
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=120,
        help_text=_("An id, or type:id (for example verification.case:12)."),
    )
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("Words of the summary."),
    )

    def __init__(self, *args: Any, tz: dt.tzinfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz or zoneinfo.ZoneInfo("UTC")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data

    def filters(self) -> AuditFilters:
        """The valid form as selector filters; days are whole days in `tz`."""
        data = self.cleaned_data
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        reference = (data.get("object") or "").strip()
        object_type, _sep, object_id = reference.rpartition(":")
        return AuditFilters(
            actor=(data.get("actor") or "").strip(),
            action=data.get("action") or "",
            since=dt.datetime.combine(since, dt.time.min, self.tz) if since else None,
            until=dt.datetime.combine(until, dt.time.max, self.tz) if until else None,
            object_type=object_type.strip(),
            object_id=object_id.strip(),
            q=(data.get("q") or "").strip(),
        )
