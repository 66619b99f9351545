"""Filling URLs from the world and reading answers as "allowed" or "denied"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import resolve_url

from tests.security.policies import ARGUMENTS, CONVERTERS, Policy, pk_of
from tests.security.urlmap import Url
from tests.security.world import ANONYMOUS, Side

DENIED = frozenset({401, 403, 404})
# An allowed principal's answer to an empty or invalid form: anything but a refusal.
REFUSED_INPUT = frozenset({400, 405, 409, 412, 422, 428})


def argument_value(url: Url, policy: Policy, side: Side, argument: str) -> str:
    if argument == "slug":
        return side.activation.slug
    if argument in policy.objects:
        key = policy.objects[argument]
        converter = CONVERTERS.get(argument) or ARGUMENTS.get(argument, ("", pk_of))[1]
    elif argument in ARGUMENTS:
        key, converter = ARGUMENTS[argument]
    else:
        raise AssertionError(
            f"{url.name}: no object for URL argument {argument!r}: map it in "
            "tests/security/policies.py (the policy's `objects` or ARGUMENTS)"
        )
    obj = side.objects[key]
    if isinstance(obj, tuple):  # (uidb64, token) of a password reset link
        return str(obj[0] if argument == "uidb64" else obj[1])
    return converter(obj)


def url_path(url: Url, policy: Policy, sides: dict[str, Side]) -> str:
    """`sides` maps each argument (or "*") to the side its object comes from."""
    return url.path(
        {
            argument: argument_value(
                url, policy, sides.get(argument, sides["*"]), argument
            )
            for argument in url.arguments
        }
    )


def goes_to_login(response: Any) -> bool:
    return response.status_code in {301, 302, 303} and str(
        response.get("Location", "")
    ).split("?")[0].endswith(resolve_url(settings.LOGIN_URL))


def is_denied(response: Any) -> bool:
    return response.status_code in DENIED or goes_to_login(response)


def is_allowed_get(response: Any) -> bool:
    code = response.status_code
    # 400: a required query parameter is missing (e.g. the map's bounding box)
    return (200 <= code < 400 and not goes_to_login(response)) or code in {400, 405}


def is_allowed_write(response: Any) -> bool:
    code = response.status_code
    return (200 <= code < 400 and not goes_to_login(response)) or code in REFUSED_INPUT


def describe(response: Any) -> str:
    where = response.get("Location", "")
    return f"{response.status_code}{' -> ' + where if where else ''}"


def anonymous_denial_ok(url: Url, response: Any, principal: str) -> bool:
    """Anonymous pages send to the login page; the API answers 401/403."""
    if principal != ANONYMOUS:
        return response.status_code in {403, 404}
    if url.is_api:
        return response.status_code in {401, 403}
    return goes_to_login(response) or response.status_code in {401, 403, 404}
