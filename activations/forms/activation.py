"""Forms of the activation pages: list filter, create, edit, status, members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from accounts.models import User, timezone_choices
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Mission,
    Organisation,
)
from vost.forms import AreaField, AreaUploadMixin

# Languages a team commonly works in; an activation keeps any other code it has.
LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "ar"]


def language_choices(extra: list[str] | None = None) -> list[tuple[str, str]]:
    codes = [*LANGUAGES, *(c for c in extra or [] if c not in LANGUAGES)]
    choices = []
    for code in codes:
        try:
            name = get_language_info(code)["name_local"]
        except KeyError:
            name = code
        choices.append((code, f"{name} ({code})"))
    return choices


class ActivationListFilterForm(forms.Form):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    ALL = "all"
    TABS = [
        (OPEN, _("Open")),
        (CLOSED, _("Closed")),
        (ARCHIVED, _("Archived")),
        (ALL, _("All")),
    ]
    show = forms.ChoiceField(label=_("show"), required=False, choices=TABS)

    def selector_filters(self) -> dict[str, Any]:
        """The keyword arguments of selectors.activation_list for the chosen tab."""
        show = (self.cleaned_data.get("show") if self.is_valid() else "") or self.OPEN
        if show == self.OPEN:
            return {"open_only": True}
        if show == self.ALL:
            return {}
        return {"status": show}

    @property
    def current(self) -> str:
        return (self.cleaned_data.get("show") if self.is_valid() else "") or self.OPEN


class ActivationDetailsForm(AreaUploadMixin, forms.Form):
    """The editable details of an activation (services.ACTIVATION_FIELDS)."""

    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=Activation.Kind.choices,
        initial=Activation.Kind.CRISIS,
        help_text=_("An exercise is marked as such on every page and export."),
    )
    requester_name = forms.CharField(
        label=_("requested by"), max_length=150, required=False
    )
    requester_contact = forms.CharField(
        label=_("requester's phone or email"), max_length=150, required=False
    )
    missions = forms.MultipleChoiceField(
        label=_("requested missions"),
        choices=Mission.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    area = AreaField(
        label=_("area"),
        help_text=_(
            "Draw the area on the map, or paste GeoJSON. It must lie within the agreement's territory (dashed red)."
        ),
    )
    objectives = forms.CharField(
        label=_("objectives"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    escalation_criteria = forms.CharField(
        label=_("escalation criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the authority wants to know at once (life-safety, …)."),
    )
    report_cadence_hours = forms.IntegerField(
        label=_("report every (hours)"), min_value=1, max_value=168, initial=6
    )
    triage_lease_minutes = forms.IntegerField(
        label=_("triage lease (minutes)"),
        min_value=1,
        max_value=120,
        initial=10,
        required=False,
        help_text=_(
            "How long a claimed item stays with a volunteer before it returns to the queue."
        ),
    )
    escalation_renotify_minutes = forms.IntegerField(
        label=_("re-notify unacknowledged escalations after (minutes)"),
        min_value=1,
        max_value=240,
        initial=10,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        required=False,
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    timezone = forms.ChoiceField(
        label=_("time zone"), choices=timezone_choices, initial="Europe/Paris"
    )

    field_order = [
        "title",
        "kind",
        "requester_name",
        "requester_contact",
        "missions",
        "area",
        "area_file",
        "objectives",
        "escalation_criteria",
        "report_cadence_hours",
        "triage_lease_minutes",
        "escalation_renotify_minutes",
        "languages",
        "timezone",
    ]

    def details(self, names: set[str] | None = None) -> dict[str, Any]:
        """Cleaned values of the activation's own fields (all of them, or `names`)."""
        fields = [
            "title",
            "kind",
            "requester_name",
            "requester_contact",
            "missions",
            "area",
            "objectives",
            "escalation_criteria",
            "report_cadence_hours",
            "triage_lease_minutes",
            "escalation_renotify_minutes",
            "languages",
            "timezone",
        ]
        return {
            name: self.cleaned_data[name]
            for name in fields
            if (names is None or name in names)
            # left empty: the activation keeps its value (the defaults when new)
            and not (name in _OPTIONAL_SETTINGS and self.cleaned_data[name] is None)
        }


_OPTIONAL_SETTINGS = frozenset({"triage_lease_minutes", "escalation_renotify_minutes"})


class ActivationCreateForm(ActivationDetailsForm):
    agreement = forms.ModelChoiceField(
        label=_("agreement"),
        queryset=Agreement.objects.none(),
        help_text=_("Only agreements in force of the teams you coordinate."),
    )
    slug = forms.SlugField(
        label=_("short name (slug)"),
        max_length=60,
        help_text=_("Used in addresses and file names, e.g. floods-herault-2026."),
    )
    open_now = forms.BooleanField(
        label=_("Open it now"),
        required=False,
        help_text=_(
            "Tick when the authority has confirmed: the activation starts at once instead of waiting as requested."
        ),
    )

    field_order = ["agreement", "title", "slug", *ActivationDetailsForm.field_order]

    def __init__(
        self,
        *args: Any,
        usable: QuerySet[Agreement],
        manageable: QuerySet[Agreement],
        **kwargs: Any,
    ) -> None:
        """`usable` agreements are offered; any `manageable` one is accepted, so
        that one which expired since the page was loaded gets the service's reason."""
        super().__init__(*args, **kwargs)
        field: Any = self.fields["agreement"]
        field.queryset = manageable
        field.choices = [
            ("", "---------"),
            *((a.pk, f"{a.reference} — {a.authority}") for a in usable),
        ]


class ActivationEditForm(ActivationDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, activation: Activation, **kwargs: Any) -> None:
        initial = {
            "title": activation.title,
            "kind": activation.kind,
            "requester_name": activation.requester_name,
            "requester_contact": activation.requester_contact,
            "missions": list(activation.missions),
            "area": activation.area,
            "objectives": activation.objectives,
            "escalation_criteria": activation.escalation_criteria,
            "report_cadence_hours": activation.report_cadence_hours,
            "triage_lease_minutes": activation.triage_lease_minutes,
            "escalation_renotify_minutes": activation.escalation_renotify_minutes,
            "languages": list(activation.languages),
            "timezone": activation.timezone,
            "version": activation.version,
        }
        kwargs["initial"] = initial | kwargs.get("initial", {})
        super().__init__(*args, **kwargs)
        languages: Any = self.fields["languages"]
        languages.choices = language_choices(list(activation.languages))

    def changed_details(self) -> dict[str, Any]:
        """Only what the person changed: the service logs the changed field names."""
        names = set(self.changed_data)
        if "area_file" in names:
            names.add("area")
        return self.details(names)


class ActivationTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Activation.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("reason for closing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- members ------------------------------------------------------------------------
class MemberSetForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("username"),
        queryset=User.objects.filter(is_active=True),
        to_field_name="username",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid_choice": _("No active account with this username.")},
    )
    role = forms.ChoiceField(
        label=_("role"),
        choices=ActivationMember.Role.choices,
        initial=ActivationMember.Role.VOLUNTEER,
    )


class MemberRemoveForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), to_field_name="username"
    )

    def __init__(self, *args: Any, activation: Activation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        field.queryset = User.objects.filter(
            activation_memberships__activation=activation
        )


class SupportingTeamForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("VOST team"),
        queryset=Organisation.objects.none(),
        help_text=_(
            "Teams with an agreement with the same authority; it must be in force and cover this activation."
        ),
    )

    def __init__(self, *args: Any, activation: Activation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["team"]
        field.queryset = (
            Organisation.objects.filter(
                kind=Organisation.Kind.VOST_TEAM,
                agreements_as_team__authority=activation.authority_id,
            )
            .exclude(pk=activation.lead_team_id)
            .exclude(supported_activations=activation)
            .distinct()
            .order_by("name")
        )
