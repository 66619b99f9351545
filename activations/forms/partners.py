"""Forms of the partners pages: organisations, their people and contacts, agreements."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import (
    Agreement,
    Contact,
    Mission,
    Organisation,
    OrganisationMember,
)
from activations.permissions import vost_team_can_create
from vost.forms import AreaField, AreaUploadMixin

AUTHORITY_KINDS = [
    (value, label)
    for value, label in Organisation.Kind.choices
    if value != Organisation.Kind.VOST_TEAM
]
ORGANISATION_FIELDS = [
    "name",
    "short_name",
    "kind",
    "description",
    "email",
    "phone",
    "website",
    "address",
    "max_hours_per_24h",
]
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- filters ----------------------------------------------------------------------
class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        required=False,
        choices=[("", _("All kinds")), *Organisation.Kind.choices],
    )
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class AgreementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *Agreement.Status.choices],
    )


# --- organisations ----------------------------------------------------------------
class OrganisationForm(forms.ModelForm[Organisation]):
    """Create or edit an organisation; what may be chosen depends on who asks.

    Creating: coordinators record authorities managed by one of their teams; only
    staff create VOST teams. Editing never changes a VOST team into an authority or
    back, nor the team that manages an authority.
    """

    managed_by = forms.ModelChoiceField(
        label=_("managed by"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The VOST team whose coordinators keep this partner up to date."),
    )

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "type": "tel"}),
        }

    def __init__(
        self, *args: Any, user: User, teams: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance._state.adding
        kind_field: Any = self.fields["kind"]
        if self.creating:
            can_create_team = vost_team_can_create(user)
            kinds = list(AUTHORITY_KINDS) if teams.exists() else []
            if can_create_team:
                kinds.insert(0, (Organisation.Kind.VOST_TEAM, _("VOST team")))
            kind_field.choices = kinds
            managed_by: Any = self.fields["managed_by"]
            managed_by.queryset = teams
            team_list = list(teams[:2])
            if len(team_list) == 1:
                managed_by.initial = team_list[0].pk
            if not team_list:
                del self.fields["managed_by"]
            if not can_create_team:
                # Coordinators only create authorities: the fatigue limit is a team's.
                del self.fields["max_hours_per_24h"]
        else:
            del self.fields["managed_by"]
            if self.instance.is_vost_team:
                del self.fields["kind"]
            else:
                kind_field.choices = AUTHORITY_KINDS
                del self.fields["max_hours_per_24h"]
        if "max_hours_per_24h" in self.fields:
            self.fields["max_hours_per_24h"].help_text = _(
                "VOST teams only: volunteers are warned beyond this many hours in 24 h."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind", self.instance.kind)
        if (
            self.creating
            and kind
            and kind != Organisation.Kind.VOST_TEAM
            and "managed_by" in self.fields
            and not cleaned.get("managed_by")
        ):
            self.add_error(
                "managed_by", _("Choose the VOST team that manages this partner.")
            )
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The model fields for organisation_create / organisation_update."""
        return {
            name: self.cleaned_data[name]
            for name in ORGANISATION_FIELDS
            if name in self.fields
        }


class OrganisationMemberForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("username"),
        queryset=User.objects.filter(is_active=True),
        to_field_name="username",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid_choice": _("No active user has this username.")},
    )
    role = forms.ChoiceField(label=_("role"), choices=OrganisationMember.Role.choices)
    title = forms.CharField(label=_("job title"), max_length=120, required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role: Any = self.fields["role"]
        if organisation.is_vost_team:
            role.choices = [
                (OrganisationMember.Role.MEMBER, OrganisationMember.Role.MEMBER.label),
                (
                    OrganisationMember.Role.COORDINATOR,
                    OrganisationMember.Role.COORDINATOR.label,
                ),
            ]
            role.initial = OrganisationMember.Role.MEMBER
        else:
            # People of an authority are its liaisons: nothing to choose.
            role.choices = [
                (OrganisationMember.Role.LIAISON, OrganisationMember.Role.LIAISON.label)
            ]
            role.initial = OrganisationMember.Role.LIAISON
            role.widget = forms.HiddenInput()


class MemberRemoveForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput())


# --- contacts ---------------------------------------------------------------------
class ContactForm(forms.ModelForm[Contact]):
    """A contact of an organisation (general) or on an agreement (liaison/escalation)."""

    class Meta:
        model = Contact
        fields = ["kind", "name", "role", "phone", "email", "hours", "position"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "type": "tel"})}

    def __init__(self, *args: Any, for_agreement: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if for_agreement:
            kind: Any = self.fields["kind"]
            kind.choices = [
                (Contact.Kind.LIAISON, Contact.Kind.LIAISON.label),
                (Contact.Kind.ESCALATION, Contact.Kind.ESCALATION.label),
            ]
            if self.initial.get("kind") not in {c[0] for c in kind.choices}:
                self.initial["kind"] = Contact.Kind.ESCALATION
        else:
            del self.fields["kind"]
            del self.fields["position"]


# --- agreements -------------------------------------------------------------------
class AgreementForm(AreaUploadMixin, forms.ModelForm[Agreement]):
    """The terms of an agreement; its status changes through AgreementStatusForm."""

    area_field_name = "territory"

    territory = AreaField(
        label=_("territory"),
        required=False,
        help_text=_(
            "Draw on the map, or paste GeoJSON; activations must lie inside it."
        ),
    )
    missions = forms.MultipleChoiceField(
        label=_("authorised missions"),
        choices=Mission.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    document = forms.FileField(
        label=_("signed agreement (PDF)"),
        required=False,
        help_text=_("PDF, at most 10 MB. A new file replaces the current one."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    class Meta:
        model = Agreement
        fields = [
            "reference",
            "title",
            "vost_team",
            "authority",
            "signed_on",
            "valid_from",
            "valid_until",
            "missions",
            "territory",
            "retention_days",
            "relay_needs_approval",
            "activation_procedure",
            "notes",
        ]
        widgets = {
            "signed_on": _DATE,
            "valid_from": _DATE,
            "valid_until": _DATE,
            "activation_procedure": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[Organisation],
        authorities: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        vost_team: Any = self.fields["vost_team"]
        vost_team.queryset = teams
        vost_team.empty_label = None
        authority: Any = self.fields["authority"]
        authority.queryset = authorities
        # static/js/partners.js previews a chosen GeoJSON file on the map editor
        self.fields["area_file"].widget.attrs["data-area-target"] = self[
            "territory"
        ].auto_id
        self.order_fields(
            [*self._meta.fields, "area_file", "document"]  # type: ignore[misc]
        )

    def service_fields(self) -> dict[str, Any]:
        """The model fields for agreement_save."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class AgreementStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s.value, s.label)
            for s in (
                Agreement.Status.ACTIVE,
                Agreement.Status.SUSPENDED,
                Agreement.Status.TERMINATED,
            )
        ]
    )
