"""Forms of the incidents pages: the status filter and a team lead's decisions."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mapping.models import Incident
from mapping.services.incidents import MAX_NOTE, MAX_REASON, MAX_TITLE

MAX_SELECTION = 500


class IdListField(forms.Field):
    """Positive integers sent as repeated values (checkboxes) or as one
    comma-separated value (a hidden field)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Send whole numbers only."),
        "too_many": _("Select at most %(max)s."),
    }

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        parts = [p for v in values for p in re.split(r"[\s,]+", str(v)) if p]
        if len(parts) > MAX_SELECTION:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": MAX_SELECTION},
            )
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None
        if any(n < 1 for n in numbers):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(set(numbers))


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *Incident.Status.choices],
    )

    def status_value(self) -> str | None:
        if self.is_valid():
            return self.cleaned_data["status"] or None
        return None


class IncidentConfirmForm(forms.Form):
    title = forms.CharField(
        label=_("title"),
        required=False,
        max_length=MAX_TITLE,
        help_text=_("Empty: keep the proposed title."),
    )
    note = forms.CharField(
        label=_("note for the team"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The items the person saw: a proposal that changed since is not confirmed.
    seen = IdListField(required=False, widget=forms.HiddenInput)


class IncidentDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the incident is dismissed.")},
    )


class IncidentSplitForm(forms.Form):
    items = IdListField(
        label=_("reports to move"),
        error_messages={"required": _("Select the reports to move to a new incident.")},
    )


class IncidentMergeForm(forms.Form):
    incidents = IdListField(
        label=_("incidents to merge into this one"),
        error_messages={"required": _("Choose the incidents to merge.")},
    )
