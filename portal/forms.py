"""Forms of the liaison portal and of requests for information. Times are read in
the activation's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.forms.roster import ZonedDateTimeField
from mapping.models import MapItem
from portal.models import RequestForInformation
from portal.services import MAX_ANSWER, MAX_QUESTION
from verification.models import Case

DUE_IN_CHOICES = [
    ("30", _("in 30 minutes")),
    ("60", _("in 1 hour")),
    ("120", _("in 2 hours")),
    ("240", _("in 4 hours")),
    ("720", _("in 12 hours")),
    ("1440", _("in 24 hours")),
]


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One question the team can answer from what it monitors, e.g. "
            "“Is the D986 passable between Saint-Martin and Ganges?”"
        ),
    )
    due_in = forms.ChoiceField(
        label=_("Answer needed"), choices=DUE_IN_CHOICES, initial="60"
    )
    due_at = ZonedDateTimeField(
        label=_("or at a precise time"),
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=RequestForInformation.Priority.choices,
        initial=RequestForInformation.Priority.NORMAL,
    )

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(ZonedDateTimeField, self.fields["due_at"])
        field.tz = tz
        field.help_text = _(
            "In the activation's time zone (%(tz)s); overrides the choice above."
        ) % {"tz": tz.key}

    def clean_due_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("due_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("The due time must be in the future."))
        return value

    def due(self) -> dt.datetime:
        data = self.cleaned_data
        if data.get("due_at"):
            due_at: dt.datetime = data["due_at"]
            return due_at
        return timezone.now() + dt.timedelta(minutes=int(data["due_in"]))


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    map_items = forms.TypedMultipleChoiceField(
        label=_("Verified map items to link"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Ctrl- or Cmd-click to pick several."),
    )
    cases = forms.TypedMultipleChoiceField(
        label=_("Cases to link"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(
        self,
        *args: Any,
        items: list[MapItem],
        cases: list[Case],
        tz: zoneinfo.ZoneInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        map_field = cast(forms.ChoiceField, self.fields["map_items"])
        case_field = cast(forms.ChoiceField, self.fields["cases"])
        if not items and not self.is_bound:
            del self.fields["map_items"]
        if not cases and not self.is_bound:
            del self.fields["cases"]
        map_field.choices = [(item.pk, _item_label(item, tz)) for item in items]
        case_field.choices = [
            (
                case.number,
                f"#{case.number} · {case.get_status_display()} · {_short(case.claim)}",
            )
            for case in cases
        ]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_label(item: MapItem, tz: zoneinfo.ZoneInfo) -> str:
    local = timezone.localtime(item.observed_at, tz)
    parts = [f"#{item.pk}", local.strftime("%d/%m %H:%M")]
    if item.place_name:
        parts.append(item.place_name)
    parts.append(_short(item.summary, 70))
    return " · ".join(parts)


class AssignForm(VersionForm):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["assignee"])
        field.choices = [
            ("", _("nobody")),
            *((person.pk, person.display_name) for person in people),
        ]


class CloseForm(VersionForm):
    action = forms.ChoiceField(
        choices=[("close", _("Close")), ("withdraw", _("Withdraw"))]
    )


class RfiFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", ""), *RequestForInformation.Status.choices],
        required=False,
    )
