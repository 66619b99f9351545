"""Forms of the roster pages: shifts, sign-ups, check-in/out, the volunteer profile."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import Shift, Skill, VolunteerLanguage, VolunteerProfile

RANGES: dict[str, dt.timedelta | None] = {
    "24h": dt.timedelta(hours=24),
    "72h": dt.timedelta(hours=72),
    "7d": dt.timedelta(days=7),
    "all": None,
}
DEFAULT_RANGE = "7d"


class RosterFilterForm(forms.Form):
    range = forms.ChoiceField(
        label=_("Show"),
        required=False,
        initial=DEFAULT_RANGE,
        choices=[
            ("24h", _("Next 24 hours")),
            ("72h", _("Next 72 hours")),
            ("7d", _("Next 7 days")),
            ("all", _("All shifts, past included")),
        ],
    )

    def window(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(start, end) of the shifts to list; (None, None) for all of them."""
        key = DEFAULT_RANGE
        if self.is_valid() and self.cleaned_data["range"]:
            key = self.cleaned_data["range"]
        span = RANGES[key]
        return (None, None) if span is None else (now, now + span)

    @property
    def selected(self) -> str:
        if self.is_valid() and self.cleaned_data["range"]:
            return str(self.cleaned_data["range"])
        return DEFAULT_RANGE


class CoverageFilterForm(forms.Form):
    hours = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        initial=24,
        coerce=int,
        empty_value=None,
        choices=[(24, _("Next 24 hours")), (72, _("Next 72 hours"))],
    )

    @property
    def selected(self) -> int:
        if self.is_valid() and self.cleaned_data["hours"]:
            return int(self.cleaned_data["hours"])
        return 24


class ZonedDateTimeField(forms.DateTimeField):
    """A datetime-local input read and shown in a given time zone (the activation's),
    whatever the viewer's own time zone is."""

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tz: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo("UTC")

    def to_python(self, value: Any) -> dt.datetime | None:
        # Django makes a naive input aware in the current time zone (refusing times that
        # do not exist or are ambiguous at a DST change): make that zone the activation's.
        with timezone.override(self.tz):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value, self.tz).replace(tzinfo=None)
        return value


class ShiftForm(forms.Form):
    """Times are entered in the activation's time zone (`tz`)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_("e.g. Morning watch, Night verification"),
    )
    starts_at = ZonedDateTimeField(label=_("Starts at"))
    ends_at = ZonedDateTimeField(label=_("Ends at"))
    required_skills = forms.MultipleChoiceField(
        label=_("Required skills"),
        required=False,
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    headcount = forms.IntegerField(
        label=_("People needed"), min_value=1, max_value=100, initial=2
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            field = self.fields[name]
            assert isinstance(field, ZonedDateTimeField)  # noqa: S101 (narrowing)
            field.tz = tz
            field.help_text = _("In the activation's time zone (%(tz)s).") % {
                "tz": tz.key
            }

    @classmethod
    def initial_from(cls, shift: Shift) -> dict[str, Any]:
        return {
            "title": shift.title,
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "required_skills": list(shift.required_skills),
            "headcount": shift.headcount,
            "notes": shift.notes,
        }


class _MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class AssignForm(forms.Form):
    user = _MemberChoiceField(label=_("Member"), queryset=User.objects.none())

    def __init__(
        self, *args: Any, members: QuerySet[User] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            field = self.fields["user"]
            assert isinstance(field, _MemberChoiceField)  # noqa: S101 (narrowing)
            field.queryset = members


class ReturnForm(forms.Form):
    """Where to go back after a roster action: the roster (with its filter) or my shifts."""

    return_to = forms.ChoiceField(
        required=False, choices=[("roster", "roster"), ("my-shifts", "my-shifts")]
    )
    range = forms.ChoiceField(required=False, choices=[(k, k) for k in RANGES])


class CheckOutForm(ReturnForm):
    handover_note = forms.CharField(
        label=_("Handover note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What the next shift needs to know: open leads, pending checks, contacts."
        ),
    )


# --- volunteer profile ------------------------------------------------------------
class VolunteerProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    training_level = forms.ChoiceField(
        label=_("Training level"), choices=VolunteerProfile.Training.choices
    )
    availability_notes = forms.CharField(
        label=_("Availability"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. evenings and weekends; not during school holidays"),
    )


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,4})?$")


class LanguageForm(forms.Form):
    language = forms.CharField(
        label=_("Language code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"list": "language-codes", "autocomplete": "off", "size": 8}
        ),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", "—"), *VolunteerLanguage.Level.choices],
    )

    def clean_language(self) -> str:
        code = str(self.cleaned_data.get("language") or "").strip().lower()
        if code and not LANGUAGE_CODE.match(code):
            raise forms.ValidationError(
                _("Use an ISO 639 code such as fr, en, es or gcf.")
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("language") and not cleaned.get("level"):
            self.add_error("level", _("Choose a level for this language."))
        if cleaned.get("level") and not cleaned.get("language"):
            self.add_error("language", _("Enter the language code."))
        return cleaned


class BaseLanguageFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            code = form.cleaned_data.get("language") if form.cleaned_data else None
            if not code:
                continue
            if code in seen:
                form.add_error("language", _("This language is already listed."))
            seen.add(code)

    def languages(self) -> list[tuple[str, str]]:
        return [
            (form.cleaned_data["language"], form.cleaned_data["level"])
            for form in self.forms
            if form.cleaned_data.get("language")
        ]


LanguageFormSet = cast(
    "type[BaseLanguageFormSet]",
    forms.formset_factory(
        LanguageForm, formset=BaseLanguageFormSet, extra=2, max_num=20, absolute_max=20
    ),
)
