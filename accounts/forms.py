from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, User, timezone_choices
from accounts.services import API_TOKEN_MAX_DAYS
from activations.models import Activation


class ProfileForm(forms.ModelForm[User]):
    timezone = forms.ChoiceField(label=_("time zone"), choices=timezone_choices)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language", "timezone"]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


class ApiTokenForm(forms.Form):
    """A new API token: a name, what it may do, for how long, and optionally for
    which activation only (among the user's own)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What it is for, e.g. QGIS on my laptop."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        help_text=_("Give only what the tool needs."),
    )
    activation = forms.ModelChoiceField(
        label=_("Only for the activation"),
        queryset=Activation.objects.none(),
        required=False,
        empty_label=_("All my activations"),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=API_TOKEN_MAX_DAYS,
        help_text=_("At most 365 days."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activation"].queryset = Activation.objects.filter(  # type: ignore[attr-defined]
            members__user=user
        ).order_by("-created_at")
        self.fields["days"].initial = settings.VOST_API_TOKEN_DAYS


class PasswordConfirmForm(forms.Form):
    """Re-authentication before a sensitive change (two-factor settings)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class TotpSetupForm(OtpCodeForm):
    """The first code of a new authenticator; the password too when it replaces one."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, need_password: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if need_password:
            self.fields["password"].required = True
        else:
            del self.fields["password"]
