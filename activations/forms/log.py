"""Forms of the activation log: filters (page and CSV export) and new entries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import LogEntry

_DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class _AuthorChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj.display_name)


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("All kinds")), *LogEntry.Kind.choices],
    )
    author = _AuthorChoiceField(
        label=_("author"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Everyone"),
    )
    since = forms.DateTimeField(label=_("from"), required=False, widget=_DATETIME)
    until = forms.DateTimeField(label=_("to"), required=False, widget=_DATETIME)
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, authors: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        author: Any = self.fields["author"]
        author.queryset = authors

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return cleaned

    def selector_filters(self) -> dict[str, Any]:
        """Keyword arguments of selectors.log_entries (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data["kind"] or None,
            "author_id": data["author"].pk if data["author"] else None,
            "since": data["since"],
            "until": data["until"],
            "query": data["q"],
        }

    @property
    def active(self) -> bool:
        return bool(self.is_valid() and any(self.cleaned_data.values()))


class LogEntryForm(forms.Form):
    KINDS = [
        (LogEntry.Kind.NOTE, LogEntry.Kind.NOTE.label),
        (LogEntry.Kind.DECISION, LogEntry.Kind.DECISION.label),
    ]
    text = forms.CharField(
        label=_("entry"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=KINDS,
        initial=LogEntry.Kind.NOTE,
        widget=forms.RadioSelect,
    )
    corrects = forms.ModelChoiceField(
        queryset=LogEntry.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, entries: QuerySet[LogEntry], **kwargs: Any) -> None:
        """`entries`: those of this activation (a correction concerns one of them)."""
        super().__init__(*args, **kwargs)
        corrects: Any = self.fields["corrects"]
        corrects.queryset = entries
