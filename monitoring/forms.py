"""Forms of the monitoring pages: the posts filter and a source's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from monitoring import source_params
from monitoring.models import Category, Platform, Source
from monitoring.source_params import EDITABLE_PLATFORMS, PARAMS, Param

# Languages the pipeline tells apart (monitoring.pipeline.language), in that order.
POST_LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "nl", "ar", "tr", "pl"]


def language_choices() -> list[tuple[str, str]]:
    choices = []
    for code in POST_LANGUAGES:
        try:
            name = str(get_language_info(code)["name_translated"])
        except KeyError:
            name = code
        choices.append((code, f"{name} ({code})"))
    return choices


class PostFilterForm(forms.Form):
    platform = forms.ChoiceField(
        label=_("platform"),
        required=False,
        choices=[("", _("All platforms")), *Platform.choices],
    )
    category = forms.ChoiceField(
        label=_("category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    lang = forms.ChoiceField(label=_("language"), required=False, choices=[])
    area = forms.ChoiceField(
        label=_("area"),
        required=False,
        choices=[
            ("", _("Anywhere")),
            ("in", _("Inside the area")),
            ("out", _("Outside the area")),
            ("unknown", _("Not located")),
        ],
    )
    official = forms.BooleanField(label=_("official only"), required=False)
    q = forms.CharField(
        label=_("search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang: Any = self.fields["lang"]
        lang.choices = [("", _("All languages")), *language_choices()]

    def selector_filters(self) -> dict[str, Any]:
        """Keyword arguments of selectors.post_list (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "platform": data["platform"],
            "category": data["category"],
            "lang": data["lang"],
            "area": data["area"],
            "official": data["official"],
            "query": data["q"].strip(),
        }

    @property
    def active(self) -> bool:
        return bool(self.is_valid() and any(self.cleaned_data.values()))


# --- a source's settings -------------------------------------------------------------
def _param_field(param: Param) -> forms.Field:
    common: dict[str, Any] = {
        "label": param.label,
        "required": False,  # required for its platform only: checked in clean()
        "help_text": param.help_text,
    }
    if param.kind == "bool":
        return forms.BooleanField(**common)
    if param.kind == "int":
        return forms.IntegerField(
            min_value=None if param.min_value is None else int(param.min_value),
            max_value=None if param.max_value is None else int(param.max_value),
            initial=param.default,
            **common,
        )
    if param.kind == "float":
        return forms.FloatField(
            min_value=param.min_value,
            max_value=param.max_value,
            initial=param.default,
            widget=forms.NumberInput(attrs={"step": "0.1"}),
            **common,
        )
    if param.kind == "scenario":
        names = source_params.scenario_choices()
        return forms.ChoiceField(
            choices=[("", _("Choose a scenario")), *((n, n) for n in names)],
            **common,
        )
    widget = (
        forms.URLInput(attrs={"placeholder": "https://"})
        if param.kind == "url"
        else forms.TextInput()
    )
    return forms.CharField(max_length=param.max_length, widget=widget, **common)


def _field_name(platform: str, key: str) -> str:
    return f"{platform}_{key}"


@dataclass(frozen=True)
class PlatformGroup:
    """The fields of one platform, shown when that platform is chosen."""

    platform: str
    label: str
    fields: list[tuple[forms.BoundField, bool]]  # (field, required for the platform)


class SourceForm(forms.Form):
    """A source: platform, name, the platform's parameters, credentials variable.

    Each platform's parameters are fields named ``<platform>_<key>``; only the
    chosen platform's are read. The checks are those of services.source_save.
    """

    platform = forms.ChoiceField(
        label=_("platform"),
        choices=[(p.value, p.label) for p in EDITABLE_PLATFORMS],
        # static/js/sources.js shows only the chosen platform's parameters
        widget=forms.Select(attrs={"data-platform-select": ""}),
    )
    name = forms.CharField(label=_("name"), max_length=120)
    interval_seconds = forms.IntegerField(
        label=_("poll every (seconds)"),
        min_value=source_params.MIN_INTERVAL,
        max_value=source_params.MAX_INTERVAL,
        initial=120,
    )
    credentials_env = forms.CharField(
        label=_("credentials variable"),
        required=False,
        # longer than a name may be, so that a pasted token gets the explanation
        max_length=4096,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "The NAME of the environment variable holding the token on the server, "
            "e.g. X_BEARER_TOKEN. Never paste the token itself."
        ),
    )
    x_monthly_cap = forms.IntegerField(
        label=_("monthly cap (posts read)"),
        required=False,
        min_value=1,
        help_text=_("Warnings at 50, 80 and 95% of it; fetching stops at 100%."),
    )

    def __init__(
        self, *args: Any, instance: Source | None = None, **kwargs: Any
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {
                "platform": instance.platform,
                "name": instance.name,
                "interval_seconds": instance.interval_seconds,
                "credentials_env": instance.credentials_env,
                "x_monthly_cap": instance.monthly_cap,
            }
            for key, value in (instance.params or {}).items():
                initial[_field_name(instance.platform, key)] = value
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.instance = instance
        for platform, params in PARAMS.items():
            for param in params:
                self.fields[_field_name(platform, param.key)] = _param_field(param)

    def platform_groups(self) -> list[PlatformGroup]:
        groups = []
        for platform in EDITABLE_PLATFORMS:
            fields = [
                (self[_field_name(platform, p.key)], p.required)
                for p in PARAMS[platform]
            ]
            if platform == Platform.X:
                fields.append((self["x_monthly_cap"], False))
            groups.append(
                PlatformGroup(
                    platform=platform.value, label=str(platform.label), fields=fields
                )
            )
        return groups

    def clean_credentials_env(self) -> str:
        value: str = self.cleaned_data.get("credentials_env", "")
        try:
            return source_params.check_credentials_env(value)
        except ValidationError:
            # It may be a pasted token: never send it back in the page.
            data = dict(self.data.items())
            data["credentials_env"] = ""
            self.data = data
            raise

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        platform = cleaned.get("platform")
        if not platform:
            return cleaned
        raw = {
            p.key: cleaned.get(_field_name(platform, p.key)) for p in PARAMS[platform]
        }
        try:
            cleaned["params"] = source_params.clean_params(platform, raw)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = _field_name(platform, key)
                self.add_error(name if name in self.fields else None, messages)
        cleaned["monthly_cap"] = (
            cleaned.get("x_monthly_cap") if platform == Platform.X else None
        )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments of services.source_save (once valid)."""
        data = self.cleaned_data
        return {
            "platform": data["platform"],
            "name": data["name"],
            "params": data["params"],
            "credentials_env": data["credentials_env"],
            "interval_seconds": data["interval_seconds"],
            "monthly_cap": data["monthly_cap"],
        }


class SourceStateForm(forms.Form):
    """Pause (with an optional reason) or resume a source."""

    state = forms.ChoiceField(choices=[("pause", _("Pause")), ("resume", _("Resume"))])
    reason = forms.CharField(label=_("reason"), required=False, max_length=300)
