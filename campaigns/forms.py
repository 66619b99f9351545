"""Forms of the campaigns pages (shape only; rules are in services)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from activations.models import Agreement, Organisation
from campaigns.models import Language, PreventionMessage, Risk
from campaigns.services import MAX_TEXT, MAX_TIMES
from relay.models import Channel

TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")


class MessageForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("VOST team"), queryset=Organisation.objects.none()
    )
    risk = forms.ChoiceField(label=_("Risk"), choices=Risk.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(
        label=_("Text"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("X allows 280 characters, Bluesky 300, Mastodon 500."),
    )
    link = forms.URLField(
        label=_("Official link"), required=False, max_length=500, assume_scheme="https"
    )

    def __init__(
        self, *args: Any, teams: QuerySet[Organisation] | None, **kwargs: Any
    ) -> None:
        """``teams`` to choose from; None when editing (the team does not change)."""
        super().__init__(*args, **kwargs)
        if teams is None:
            del self.fields["team"]
        else:
            cast(
                "forms.ModelChoiceField[Organisation]", self.fields["team"]
            ).queryset = teams


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    agreement = forms.ModelChoiceField(
        label=_("Agreement"), queryset=Agreement.objects.none()
    )
    messages = forms.ModelMultipleChoiceField(
        label=_("Messages"),
        queryset=PreventionMessage.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    times = forms.CharField(
        label=_("Publication times"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. 2026-07-01 09:00 (your time zone)."),
    )

    def __init__(
        self,
        *args: Any,
        agreements: QuerySet[Agreement],
        messages: QuerySet[PreventionMessage],
        timezone: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tz = zoneinfo.ZoneInfo(timezone)
        cast(
            "forms.ModelChoiceField[Agreement]", self.fields["agreement"]
        ).queryset = agreements
        cast(
            "forms.ModelMultipleChoiceField[PreventionMessage]", self.fields["messages"]
        ).queryset = messages

    def clean_times(self) -> list[dt.datetime]:
        lines = [
            line.strip()
            for line in self.cleaned_data["times"].splitlines()
            if line.strip()
        ]
        if len(lines) > MAX_TIMES:
            raise forms.ValidationError(
                _("At most %(limit)s publication times."), params={"limit": MAX_TIMES}
            )
        times = []
        for line in lines:
            for fmt in TIME_FORMATS:
                try:
                    # the user's time zone is attached just below
                    naive = dt.datetime.strptime(line, fmt)  # noqa: DTZ007
                except ValueError:
                    continue
                times.append(naive.replace(tzinfo=self.tz))
                break
            else:
                raise forms.ValidationError(
                    _("“%(line)s” is not a date and time like 2026-07-01 09:00."),
                    params={"line": line[:40]},
                )
        if not times:
            raise forms.ValidationError(_("Give at least one publication time."))
        return times


class LinkForm(forms.Form):
    url = forms.URLField(
        label=_("Link to the published post"), max_length=500, assume_scheme="https"
    )
