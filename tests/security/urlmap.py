"""The URL map, walked: every route with its name, view and URL arguments.

The security tests are generated from this list, so a URL added to any
``urls.py`` shows up here by itself; ``uncovered`` then names those that have no
policy in ``tests/security/policies.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# The admin has its own staff-only login and is Django's (tested by tests/*/test_admin.py);
# media/ is served by Django only with DEBUG on (never in tests or production).
SKIPPED_PREFIXES = ("admin/", "^media/")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Url:
    name: str  # namespace:name as reverse() takes it (the route when unnamed)
    route: str  # the whole route, e.g. "a/<slug:slug>/cases/<int:number>/"
    pattern: URLPattern
    arguments: tuple[str, ...]

    @property
    def callback(self) -> Any:
        return self.pattern.callback

    @property
    def view_class(self) -> Any:
        callback = self.callback
        return getattr(callback, "cls", None) or getattr(callback, "view_class", None)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/v1/")

    @property
    def is_ogc(self) -> bool:
        return self.route.startswith("ogc/")

    @property
    def api_methods(self) -> tuple[str, ...]:
        """The unsafe methods a REST API view class implements (none for functions)."""
        cls = self.view_class
        if cls is None or not self.is_api:
            return ()
        return tuple(m for m in UNSAFE if callable(getattr(cls, m.lower(), None)))

    def path(self, values: Mapping[str, str]) -> str:
        """The route with each argument replaced by its value."""
        route = _ARGUMENT.sub(lambda m: str(values[m.group("name")]), self.route)
        return "/" + route.lstrip("^").rstrip("$")


def _walk(
    patterns: Iterable[Any], prefix: str = "", namespace: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = ":".join((*namespace, entry.name)) if entry.name else route
            yield name, route, entry


def all_urls(patterns: Iterable[Any] | None = None) -> list[Url]:
    """Every URL of the map (or of `patterns`), minus the skipped prefixes."""
    found = []
    source = get_resolver().url_patterns if patterns is None else patterns
    for name, route, pattern in _walk(source):
        if route.startswith(SKIPPED_PREFIXES):
            continue
        arguments = tuple(m.group("name") for m in _ARGUMENT.finditer(route))
        found.append(Url(name=name, route=route, pattern=pattern, arguments=arguments))
    return found


def uncovered(urls: Iterable[Url], declared: Mapping[str, Any]) -> list[str]:
    """One message per URL without a declared policy (empty: all covered)."""
    return [
        f"{url.name} ({url.route}, view {url.callback.__module__}."
        f"{url.callback.__name__}) has no access policy: declare who may use it in "
        "tests/security/policies.py (POLICIES)"
        for url in urls
        if url.name not in declared
    ]


def stale(urls: Iterable[Url], declared: Mapping[str, Any]) -> list[str]:
    """Policies naming a URL that no longer exists."""
    names = {url.name for url in urls}
    return sorted(name for name in declared if name not in names)
