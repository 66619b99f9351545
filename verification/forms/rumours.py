"""Forms of the rumour register: filters, recording, status, links, counter-message,
the authority's decision and relays. Times are read in the activation's time zone."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activations.forms.roster import ZonedDateTimeField
from verification.models import Relay, Rumour
from verification.services.rumours import MAX_CLAIM, MAX_COUNTER, MAX_NOTE

ITEMS_HELP = _(
    "Queue item numbers (as shown in triage, e.g. 12 or #12) or links to posts of "
    "this activation, separated by spaces, commas or new lines."
)


def split_references(value: str) -> list[str]:
    """What a person typed in an "items" box, one reference per entry."""
    return [part for part in re.split(r"[\s,;]+", value or "") if part]


class _Zoned(forms.Form):
    """A form with ZonedDateTimeFields read in the activation's time zone."""

    def __init__(self, *args: Any, tz: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, ZonedDateTimeField):
                field.tz = tz
                field.help_text = _(
                    "In the activation's time zone (%(tz)s). Empty: %(default)s"
                ) % {"tz": tz.key, "default": field.help_text}


class RumourFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *Rumour.Status.choices],
    )

    def status_value(self) -> str | None:
        if self.is_valid():
            return self.cleaned_data["status"] or None
        return None


class RumourForm(_Zoned):
    claim = forms.CharField(
        label=_("claim"),
        max_length=MAX_CLAIM,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is being said, in one or two neutral sentences."),
    )
    items = forms.CharField(
        label=_("linked queue items"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=ITEMS_HELP,
    )
    first_seen_at = ZonedDateTimeField(
        label=_("first seen"),
        required=False,
        help_text=_("the earliest linked post, or now."),
    )
    notes = forms.CharField(
        label=_("notes for the team"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Not shown to the authority."),
    )

    def references(self) -> list[str]:
        return split_references(self.cleaned_data.get("items", ""))


class VersionForm(forms.Form):
    """The version of the rumour the person saw (optimistic concurrency)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class RumourStatusForm(VersionForm):
    status = forms.ChoiceField(label=_("new status"), choices=Rumour.Status.choices)
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why (e.g. what confirmed or debunked it). The authority sees it."),
    )


class RumourLinkForm(forms.Form):
    items = forms.CharField(
        label=_("queue items or post links"),
        required=False,
        max_length=4000,
        help_text=ITEMS_HELP,
    )
    case = forms.TypedChoiceField(
        label=_("verification case"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
    )

    def __init__(self, *args: Any, cases: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["case"]
        field.choices = [("", _("— none —"))] + [
            (case.number, f"#{case.number} · {case.claim[:80]}") for case in cases
        ]
        if not cases:
            del self.fields["case"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("items", "").strip() and cleaned.get("case") is None:
            raise forms.ValidationError(
                _("Give a queue item number, a post link or a case to link.")
            )
        return cleaned

    def references(self) -> list[str]:
        return split_references(self.cleaned_data.get("items", ""))


class RumourUnlinkForm(forms.Form):
    cluster_id = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput
    )
    case_number = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("cluster_id") is None) == (cleaned.get("case_number") is None):
            raise forms.ValidationError(_("Say which item or case to unlink."))
        return cleaned


class CounterMessageForm(VersionForm):
    text = forms.CharField(
        label=_("text to publish"),
        max_length=MAX_COUNTER,
        widget=forms.Textarea(
            attrs={"rows": 6, "data-counter-limits": "x:280,bluesky:300,mastodon:500"}
        ),
        help_text=_(
            "Factual, short, with the official source. The authority approves it "
            "before it is relayed."
        ),
    )


class CounterDecisionForm(VersionForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("remarks"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to reject: say what should change."),
    )

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data.get("decision") == "approve")


class RelayForm(_Zoned):
    channel = forms.ChoiceField(label=_("channel"), choices=Relay.Channel.choices)
    link = forms.URLField(
        label=_("link"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("Address of the published message."),
    )
    relayed_at = ZonedDateTimeField(
        label=_("published at"), required=False, help_text=_("now.")
    )
    note = forms.CharField(label=_("note"), required=False, max_length=300)
