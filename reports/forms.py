"""Forms of the situation reports pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import SECTION_KEYS
from reports.services import MAX_CHANGE_NOTE, MAX_SUMMARY, MAX_TEXT

SECTION_LABELS: dict[str, Any] = {
    "key_events": _("Key events"),
    "counts": _("Verified items by category"),
    "urgent": _("Urgent items and acknowledgements"),
    "rumours": _("Rumours and debunks"),
    "coverage": _("Coverage"),
    "limitations": _("Limitations"),
}


class ComposeForm(forms.Form):
    is_final = forms.BooleanField(
        label=_("Final report of the activation"), required=False
    )


class RevisionForm(forms.Form):
    """The revision of the report the person saw (stale ones are refused)."""

    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class EditForm(RevisionForm):
    summary = forms.CharField(
        label=_("Summary"),
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    is_final = forms.BooleanField(
        label=_("Final report of the activation"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in SECTION_KEYS:
            self.fields[f"text_{key}"] = forms.CharField(
                label=SECTION_LABELS[key],
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Shown above the composed data of this section."),
            )

    def texts(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"text_{key}", "") for key in SECTION_KEYS}

    def section_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{key}"] for key in SECTION_KEYS]


class CorrectForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changes"),
        max_length=MAX_CHANGE_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Said at the top of the corrected report."),
    )
