"""What a source may be configured with, per platform, and the checks on it.

Shared by the source form, the API and ``services.source_save`` (which checks
again: a refused value never reaches the database). Parameters are plain data
for the connectors; credentials are only ever the NAME of an environment
variable, never a secret value.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monitoring.models import Platform

# Platforms a person can set up in the pages or the API (file imports are made
# by `manage.py ingest_file`, not configured).
EDITABLE_PLATFORMS: Final = (
    Platform.X,
    Platform.MASTODON,
    Platform.BLUESKY,
    Platform.RSS,
    Platform.CAP,
    Platform.REPLAY,
)
# Sources fetched by the poller ("poll now" makes sense for them).
POLLABLE_PLATFORMS: Final = frozenset(
    {Platform.X, Platform.MASTODON, Platform.BLUESKY, Platform.RSS, Platform.CAP}
)
MIN_INTERVAL, MAX_INTERVAL = 30, 86_400

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
# The server's own settings: a source naming one of these would send the secret
# key or a database password to whatever URL the source points at.
_RESERVED_ENV_PREFIXES = (
    "DJANGO_",
    "DATABASE",
    "POSTGRES",
    "PG",
    "REDIS",
    "CELERY",
    "VOST_",
    "EMAIL",
    "SECRET",
    "AWS_",
    "SENTRY",
)
# A long run of letters and digits without underscores looks like a pasted token.
_RANDOM_RUN = re.compile(r"(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{16,}")
# Query parameters that carry a credential (which belongs in the credentials variable).
_SECRET_QUERY_KEYS = re.compile(
    r"(?:^|[_-])(?:key|apikey|token|secret|password|passwd|pwd|auth|sig|signature|"
    r"access[_-]?token|api[_-]?key|client[_-]?secret)$",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"^\w{1,100}$")
_LANG = re.compile(r"^[a-z]{2,3}$")


# --- single values ---------------------------------------------------------------
def _resolve(host: str) -> list[str]:
    """The addresses `host` resolves to ([] when it does not resolve now)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal_ip(host: str) -> str | None:
    """`host` as an IP address if it is one, in any form a resolver accepts
    (``127.1``, ``0x7f.0.0.1``, ``2130706433``…)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def check_public_url(
    value: str, *, resolve: Callable[[str], list[str]] | None = None
) -> str:
    """An http(s) URL to a public host; refuse private, loopback and link-local
    addresses (unless settings.DEBUG) and credentials written into the URL."""
    url = value.strip()
    if len(url) > 500:
        raise ValidationError(_("At most 500 characters."), code="too_long")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 (raises ValueError on a junk port)
    except ValueError:
        raise ValidationError(_("Enter a valid URL."), code="invalid_url") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise ValidationError(
            _("Enter a web address starting with http:// or https://."),
            code="invalid_url",
        )
    try:
        # as the HTTP client will see it (full-width "localhost" is localhost)
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError(_("Enter a valid URL."), code="invalid_url") from None
    if parts.username or parts.password:
        raise ValidationError(
            _(
                "Do not put a user name or password in the address: name the "
                "credentials variable instead."
            ),
            code="credentials_in_url",
        )
    if any(_SECRET_QUERY_KEYS.search(key) for key, _v in parse_qsl(parts.query)):
        raise ValidationError(
            _(
                "This address carries a key or token: name the credentials "
                "variable instead of writing the secret here."
            ),
            code="credentials_in_url",
        )
    if settings.DEBUG:
        return url
    literal = _literal_ip(host)
    if literal is not None:
        addresses = [literal]
    elif (
        "." not in host  # "localhost", "redis", "db": names inside the network
        or host.endswith((".localhost", ".local", ".internal", ".lan", ".home.arpa"))
    ):
        addresses = ["127.0.0.1"]
    else:
        addresses = (resolve or _resolve)(host)
    if not all(_is_public(address) for address in addresses):
        raise ValidationError(
            _("This address points inside a private network; use a public one."),
            code="private_address",
        )
    return url


def check_credentials_env(value: str) -> str:
    """The NAME of an environment variable (UPPER_SNAKE), never a secret value."""
    name = value.strip()
    if not name:
        return ""
    if len(name) > 64 or not _ENV_NAME.match(name) or _RANDOM_RUN.search(name):
        raise ValidationError(
            _(
                "Enter the name of an environment variable, such as "
                "X_BEARER_TOKEN, never the token itself."
            ),
            code="not_an_env_name",
        )
    if name.startswith(_RESERVED_ENV_PREFIXES):
        raise ValidationError(
            _("This variable belongs to the server's own settings; use another name."),
            code="reserved_env_name",
        )
    return name


# --- parameters per platform -------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One parameter of a platform: its key in Source.params and its check."""

    key: str
    label: Any
    kind: str  # "text", "url", "int", "float", "bool", "hashtag", "lang", "scenario"
    required: bool = False
    default: Any = None
    min_value: float | None = None
    max_value: float | None = None
    max_length: int = 200
    help_text: Any = ""


PARAMS: Final[dict[str, tuple[Param, ...]]] = {
    Platform.X: (
        Param(
            "query",
            _("search query"),
            "text",
            required=True,
            max_length=512,
            help_text=_(
                "X search syntax, e.g. (inondation OR crue) lang:fr -is:retweet"
            ),
        ),
        Param(
            "max_results",
            _("posts per request"),
            "int",
            default=100,
            min_value=10,
            max_value=100,
        ),
        Param(
            "lang",
            _("language"),
            "lang",
            help_text=_("Two-letter code added to the query, e.g. fr; empty for all."),
        ),
        Param(
            "stream",
            _("use the filtered stream"),
            "bool",
            default=False,
            help_text=_("Real time, through the stream worker, instead of polling."),
        ),
    ),
    Platform.MASTODON: (
        Param(
            "instance",
            _("instance"),
            "url",
            required=True,
            help_text=_("e.g. https://mastodon.social"),
        ),
        Param(
            "hashtag",
            _("hashtag"),
            "hashtag",
            help_text=_("Without the #. Give a hashtag or a search query, not both."),
        ),
        Param("query", _("search query"), "text", max_length=500),
    ),
    Platform.BLUESKY: (
        Param("query", _("search query"), "text", required=True, max_length=300),
        Param(
            "lang",
            _("language"),
            "lang",
            help_text=_("Two-letter code, e.g. fr; empty for all."),
        ),
    ),
    Platform.RSS: (Param("url", _("feed address"), "url", required=True),),
    Platform.CAP: (
        Param(
            "url",
            _("alert feed address"),
            "url",
            required=True,
            help_text=_("A CAP 1.2 index feed (Atom/RSS) or a single alert."),
        ),
    ),
    Platform.REPLAY: (
        Param(
            "scenario",
            _("scenario"),
            "scenario",
            required=True,
            max_length=100,
            help_text=_("One of the exercise scenarios shipped with the hub."),
        ),
        Param(
            "speed",
            _("speed"),
            "float",
            default=1.0,
            min_value=1,
            max_value=60,
            help_text=_("1 = real time, 10 = ten times faster."),
        ),
    ),
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(param: Param, value: Any) -> Any:
    """The cleaned value of one parameter, or ValidationError."""
    if param.kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValidationError(_("Enter true or false."), code="invalid")
    if param.kind in {"int", "float"}:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError(_("Enter a number."), code="invalid")
        try:
            number: float = (int if param.kind == "int" else float)(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter a number."), code="invalid") from None
        if (param.min_value is not None and number < param.min_value) or (
            param.max_value is not None and number > param.max_value
        ):
            raise ValidationError(
                _("Enter a value between %(min)s and %(max)s.")
                % {"min": param.min_value, "max": param.max_value},
                code="out_of_range",
            )
        return number
    if not isinstance(value, str):
        raise ValidationError(_("Enter text."), code="invalid")
    text = value.strip()
    if len(text) > param.max_length:
        raise ValidationError(
            _("At most %(n)s characters.") % {"n": param.max_length}, code="too_long"
        )
    if any(ord(c) < 32 for c in text):
        raise ValidationError(_("Control characters are not allowed."), code="invalid")
    if param.kind == "url":
        return check_public_url(text)
    if param.kind == "hashtag":
        text = text.lstrip("#")
        if not _HASHTAG.match(text):
            raise ValidationError(
                _("A hashtag is letters, digits and underscores."), code="invalid"
            )
    elif param.kind == "lang":
        text = text.lower()
        if not _LANG.match(text):
            raise ValidationError(_("Enter a two-letter code."), code="invalid")
    elif param.kind == "scenario" and text not in scenario_choices():
        raise ValidationError(_("There is no scenario with this name."), code="invalid")
    return text


def scenario_choices() -> list[str]:
    """Names of the shipped exercise scenarios (monitoring/scenarios/*.jsonl)."""
    from monitoring.replay import scenario_names  # the replay module owns the folder

    return scenario_names()


def clean_params(platform: str, params: Any) -> dict[str, Any]:
    """The parameters of a `platform` source, checked and with defaults.

    Raises ValidationError with a message per parameter key. Unknown keys are
    refused (a typo must not be silently ignored).
    """
    if platform not in PARAMS:
        raise ValidationError(
            {"platform": [_("This kind of source cannot be set up here.")]}
        )
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("Send an object.")]})
    specs = PARAMS[platform]
    known = {param.key for param in specs}
    errors: dict[str, list[Any]] = {
        str(key): [_("Unknown parameter for this platform.")]
        for key in params
        if key not in known
    }
    cleaned: dict[str, Any] = {}
    for param in specs:
        value = params.get(param.key)
        if _blank(value):
            if param.required:
                errors[param.key] = [_("This field is required.")]
            elif param.default is not None:
                cleaned[param.key] = param.default
            continue
        try:
            cleaned[param.key] = _check(param, value)
        except ValidationError as exc:
            errors[param.key] = list(exc.messages)
    if (
        platform == Platform.MASTODON
        and not {"hashtag", "query"} & errors.keys()
        and bool(cleaned.get("hashtag")) == bool(cleaned.get("query"))
    ):
        errors["hashtag"] = [_("Give a hashtag or a search query, not both.")]
    if errors:
        raise ValidationError(errors)
    return cleaned
