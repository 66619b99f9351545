"""Forms of the case pages: the list's filters, opening a case, and one small form per
action on a case (each carries the case ``version`` the page showed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import Activation
from monitoring.models import Cluster
from verification.models import Case, Credibility, Evidence, Reliability
from verification.selectors import FILTER_LABELS, CaseFilter

VERDICT_CHOICES = [
    (status.value, status.label)
    for status in (
        Case.Status.VERIFIED,
        Case.Status.FALSE,
        Case.Status.MISLEADING,
        Case.Status.UNVERIFIABLE,
    )
]


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("show"),
        required=False,
        choices=[(f.value, FILTER_LABELS[f]) for f in CaseFilter],
    )
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def selector_filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": CaseFilter.OPEN}
        return {
            "status": self.cleaned_data["status"] or CaseFilter.OPEN,
            "q": self.cleaned_data["q"].strip(),
        }


class CaseCreateForm(forms.Form):
    claim = forms.CharField(
        label=_("what to verify"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The claim in one or two sentences, in your own words."),
    )
    item = forms.IntegerField(
        label=_("queue item number"),
        required=False,
        min_value=1,
        help_text=_(
            "Optional: the number of the triage item this claim comes from; "
            "its post is then shown with the case."
        ),
    )

    def __init__(self, *args: Any, activation: Activation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activation = activation

    def clean_item(self) -> Cluster | None:
        number = self.cleaned_data.get("item")
        if number is None:
            return None
        cluster = Cluster.objects.filter(activation=self.activation, pk=number).first()
        if cluster is None:
            raise forms.ValidationError(
                _("There is no queue item %(number)s in this activation.")
                % {"number": number}
            )
        return cluster


class VersionForm(forms.Form):
    """The version of the case the page showed (stale → nothing is changed).

    Several forms share the case page: each gets its own id prefix
    (``id_prefix``), so labels point at the right field.
    """

    id_prefix = "case"
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class EvidenceForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "evidence-%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(label=_("check"), choices=Evidence.Kind.choices)
    finding = forms.ChoiceField(
        label=_("finding"),
        choices=Evidence.Finding.choices,
        initial=Evidence.Finding.INCONCLUSIVE,
    )
    url = forms.CharField(
        label=_("link"),
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    note = forms.CharField(
        label=_("note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked, and what it showed."),
    )

    def clean_url(self) -> str:
        url = str(self.cleaned_data.get("url") or "").strip()
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(
                _("Give a web address starting with http:// or https://.")
            )
        return url


class GradeForm(VersionForm):
    id_prefix = "grade"
    reliability = forms.ChoiceField(
        label=_("source reliability"),
        choices=[("", "—"), *Reliability.choices],
    )
    credibility = forms.TypedChoiceField(
        label=_("information credibility"),
        choices=[("", "—"), *Credibility.choices],
        coerce=int,
    )


class LocateForm(VersionForm):
    id_prefix = "locate"
    lon = forms.FloatField(
        label=_("longitude"), required=False, min_value=-180, max_value=180
    )
    lat = forms.FloatField(
        label=_("latitude"), required=False, min_value=-90, max_value=90
    )
    radius_m = forms.IntegerField(
        label=_("radius (m)"),
        required=False,
        min_value=1,
        max_value=500_000,
        help_text=_("Radius of the circle the event is within."),
    )
    source = forms.ChoiceField(
        label=_("location from"),
        choices=Case.LocationSource.choices,
        initial=Case.LocationSource.MAP,
    )
    place_name = forms.CharField(label=_("place"), required=False, max_length=200)
    clear = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear"):
            return data
        for name, message in (
            ("lon", _("Click on the map, search a place or type a longitude.")),
            ("lat", _("Click on the map, search a place or type a latitude.")),
            ("radius_m", _("Give the precision in metres.")),
        ):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, message)
        return data


class ProposeForm(VersionForm):
    id_prefix = "propose"
    status = forms.ChoiceField(
        label=_("verdict"), choices=VERDICT_CHOICES, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("reasoning"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why: the evidence that decides it, in a sentence or two."),
    )


class ReviewForm(VersionForm):
    id_prefix = "review"
    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("reject", _("Send back"))]
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you send the verdict back: say what is missing."),
    )


class ReopenForm(VersionForm):
    id_prefix = "reopen"
    note = forms.CharField(
        label=_("why reopen"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj.display_name)


class AssignForm(VersionForm):
    id_prefix = "assign"
    assignee = _UserChoiceField(
        label=_("assign to"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.queryset = people


class PlaceSearchForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "places-%s")
        super().__init__(*args, **kwargs)

    place = forms.CharField(
        label=_("search a place"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
