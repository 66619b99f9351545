"""Forms of the triage workspace: the team lead's queue filters, a decision on the
item one holds, the claim token (renew, release), undo and bulk decisions.

The forms only parse input; every rule (lease, token, categories, tags, who may
undo what) is checked again by the services in ``monitoring.triage``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from monitoring.forms import language_choices
from monitoring.models import Category, Source, TriageDecision
from monitoring.triage import MAX_BULK, MAX_NOTE, QueueFilters

Kind = TriageDecision.Kind
# The categories of a relevant item, in the order of their shortcuts 1-9.
RELEVANT_CATEGORIES: Final = [c for c in Category if c != Category.NOT_RELEVANT]
PRIORITY_CHOICES: Final = [
    ("", _("All priorities")),
    ("urgent", _("Urgent")),
    ("high", _("High")),
    ("normal", _("Normal")),
    ("low", _("Low")),
]
FILTER_FIELDS: Final = ("q", "source", "lang", "category", "priority")
_TAG_SPLIT: Final = re.compile(r"[\s,;]+")


def category_choices(*, blank: str = "") -> list[tuple[str, str]]:
    """Relevant categories with their shortcut digit (1-9) in front of the label."""
    choices: list[tuple[str, str]] = [("", blank)] if blank else []
    for index, category in enumerate(RELEVANT_CATEGORIES, start=1):
        label = str(category.label)
        choices.append((category.value, f"{index} · {label}" if index <= 9 else label))
    return choices


class QueueFilterForm(forms.Form):
    """What a team lead narrows the queue table (and their "Next") to."""

    q = forms.CharField(
        label=_("keyword"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    source = forms.TypedChoiceField(
        label=_("source"), required=False, coerce=int, empty_value=None, choices=[]
    )
    lang = forms.ChoiceField(label=_("language"), required=False, choices=[])
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    priority = forms.ChoiceField(
        label=_("priority"), required=False, choices=PRIORITY_CHOICES
    )

    def __init__(
        self, *args: Any, sources: Iterable[Source] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        source: Any = self.fields["source"]
        source.choices = [("", _("All sources")), *((s.pk, s.name) for s in sources)]
        lang: Any = self.fields["lang"]
        lang.choices = [("", _("All languages")), *language_choices()]

    def queue_filters(self) -> QueueFilters:
        """The service's filters (none when the form is invalid)."""
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            keyword=data["q"].strip(),
            source_id=data["source"],
            lang=data["lang"],
            category=data["category"],
            priority=data["priority"],
        )

    @property
    def active(self) -> bool:
        return self.queue_filters().active

    def query(self, **extra: str) -> str:
        """The valid filters as a query string (to come back to the same view)."""
        if not self.is_valid():
            return urlencode(extra)
        values = {
            name: self.cleaned_data[name]
            for name in FILTER_FIELDS
            if self.cleaned_data[name] not in ("", None)
        }
        return urlencode({**values, **extra})


def return_query(raw: str, *, sources: Iterable[Source]) -> str:
    """A posted "come back to" query string, reduced to valid filters and page."""
    data = QueryDict(raw[:1000])
    form = QueueFilterForm(data, sources=sources)
    page = data.get("page", "")
    return form.query(**({"page": page} if page.isdigit() else {}))


class DecisionForm(forms.Form):
    """A decision on the item the user holds (one submit button per kind)."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=Kind.choices)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[])
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Single words, separated by spaces or commas."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.choices = category_choices(blank=str(_("Choose a category…")))

    def tag_list(self) -> list[str]:
        return [tag for tag in _TAG_SPLIT.split(self.cleaned_data["tags"]) if tag]


class TokenForm(forms.Form):
    """The claim token of the item (renew, release)."""

    token = forms.UUIDField(widget=forms.HiddenInput)


class UndoForm(forms.Form):
    decision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ItemIdsField(forms.Field):
    """Checked rows of the queue table: a list of item ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = (
            value if isinstance(value, list | tuple) else ([value] if value else [])
        )
        ids: list[int] = []
        for raw in values:
            text = str(raw).strip()
            if not text.isdigit() or len(text) > 12:
                raise ValidationError(_("Invalid selection."), code="invalid")
            ids.append(int(text))
        return ids

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > MAX_BULK:
            raise ValidationError(
                _("At most %(n)s items at once."), params={"n": MAX_BULK}
            )


class BulkForm(forms.Form):
    """Team leads: mark a selection not relevant, or relevant with a category."""

    items = ItemIdsField(
        required=True,
        error_messages={"required": _("Select at least one item.")},
    )
    action = forms.ChoiceField(
        choices=[
            (Kind.NOT_RELEVANT, Kind.NOT_RELEVANT.label),
            (Kind.RELEVANT, _("Set category")),
        ]
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[])
    return_query = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.choices = category_choices(blank=str(_("Choose a category…")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == Kind.RELEVANT and not data.get("category"):
            self.add_error("category", _("Choose the category to set."))
        return data
