"""Forms of the relay pages (validation of shape only; rules are in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relay.models import Channel, OfficialMessage
from relay.services import MAX_HANDLES, MAX_TEXT


class OfficialMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Official message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("As the authority wrote it: drafts per channel are made from it."),
    )
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The authority's page for this message, if any."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=OfficialMessage.Language.choices
    )


class DraftForm(forms.Form):
    text = forms.CharField(
        label=_("Draft"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )


class LinkForm(forms.Form):
    url = forms.URLField(
        label=_("Link to the published post"), max_length=500, assume_scheme="https"
    )


class RelaySettingsForm(forms.Form):
    handles = forms.CharField(
        label=_("The authority's accounts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One handle per line (as monitoring sees them, e.g. "
            "prefet34@mastodon.social): their posts become official messages."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel in Channel:
            self.fields[f"{channel.value}_enabled"] = forms.BooleanField(
                label=_("Relay to %(channel)s") % {"channel": channel.label},
                required=False,
            )
            self.fields[f"{channel.value}_hashtags"] = forms.CharField(
                label=_("Hashtags on %(channel)s") % {"channel": channel.label},
                required=False,
                max_length=200,
            )

    def channel_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"{channel.value}_enabled"], self[f"{channel.value}_hashtags"])
            for channel in Channel
        ]

    def clean_handles(self) -> list[str]:
        handles = [line.strip() for line in self.cleaned_data["handles"].splitlines()]
        handles = [h for h in handles if h]
        if len(handles) > MAX_HANDLES:
            raise forms.ValidationError(
                _("At most %(limit)s accounts.") % {"limit": MAX_HANDLES}
            )
        return handles

    def channels(self) -> dict[str, tuple[bool, str]]:
        return {
            channel.value: (
                bool(self.cleaned_data[f"{channel.value}_enabled"]),
                self.cleaned_data[f"{channel.value}_hashtags"],
            )
            for channel in Channel
        }
