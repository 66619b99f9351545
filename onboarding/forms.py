"""Forms of the volunteer onboarding pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import Activation, Skill
from onboarding.models import TrainingRecord


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email of the volunteer"))


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={
            "invalid": _("Letters, digits and @/./+/-/_ only."),
        },
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken; choose another one."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = User(
                username=data.get("username", ""),
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your email"))
    motivation = forms.CharField(
        label=_("Why do you want to join?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    languages = forms.CharField(
        label=_("Languages you speak"),
        required=False,
        max_length=100,
        help_text=_("ISO codes separated by commas, e.g. fr, en, es"),
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Honeypot: hidden by CSS; people leave it empty, bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_languages(self) -> list[str]:
        raw: str = self.cleaned_data.get("languages", "")
        codes = [code.strip().lower() for code in raw.replace(";", ",").split(",")]
        codes = [code for code in codes if code]
        for code in codes:
            if not (2 <= len(code) <= 3 and code.isalpha()):
                raise ValidationError(
                    _("%(code)s is not a language code (use e.g. fr, en)."),
                    params={"code": code},
                )
        return list(dict.fromkeys(codes))


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to nobody, kept for the team)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrainingRecordForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TrainingRecord
        fields = ["user", "kind", "title", "date", "trainer", "notes", "activation"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self, *args: Any, members: Any, activations: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members  # type: ignore[attr-defined]
        self.fields["activation"].queryset = activations  # type: ignore[attr-defined]
        self.fields["activation"].required = False


def exercise_activations(team_id: int) -> Any:
    """Exercise activations the team led or supported (to link a training record)."""
    return Activation.objects.filter(
        Q(lead_team_id=team_id) | Q(supporting_teams__pk=team_id),
        kind=Activation.Kind.EXERCISE,
    ).distinct()
