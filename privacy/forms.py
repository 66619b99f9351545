"""Forms of the data-protection pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import EDITABLE, MAX_FIELD, ProcessingRecord, SubjectRequest

PLATFORM_CHOICES = [
    ("mastodon", "Mastodon"),
    ("bluesky", "Bluesky"),
    ("x", "X"),
]


class ProcessingRecordForm(forms.ModelForm[ProcessingRecord]):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProcessingRecord
        fields = list(EDITABLE)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in EDITABLE}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.max_length = MAX_FIELD


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Request"),
        choices=SubjectRequest.Kind.choices,
        widget=forms.RadioSelect,
    )
    platform = forms.ChoiceField(label=_("Platform"), choices=PLATFORM_CHOICES)
    handle = forms.CharField(
        label=_("Account"),
        max_length=300,
        help_text=_(
            "As on the platform: jeanne@mastodon.social, jeanne.bsky.social, "
            "@jeanne (X). Case and a leading @ do not matter."
        ),
    )
    include_mentions = forms.BooleanField(
        label=_("Also posts by others mentioning this account"), required=False
    )
    requester_note = forms.CharField(
        label=_("How the person asked, and how their identity was checked"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm: erase everything found about this account"),
        required=False,
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason given to the person"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
