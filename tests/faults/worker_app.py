"""The Celery app of the fault tests' worker and beat processes: the real one
(vost.celery), with the fake platform reached through a transport rewrite.

FAULTS_PLATFORM_ROUTE="social.example.fr=127.0.0.1:PORT" sends every request for
that host to the loopback instance the test serves (plain HTTP): the connectors'
own validation (https only, no private address) still sees the public name.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from vost.celery import app

__all__ = ["app"]

_ROUTES = dict(
    item.split("=", 1)
    for item in os.environ.get("FAULTS_PLATFORM_ROUTE", "").split(",")
    if "=" in item
)
_send = HTTPAdapter.send


def _routed_send(
    self: HTTPAdapter, request: PreparedRequest, *args: Any, **kwargs: Any
) -> Any:
    parts = urlsplit(request.url or "")
    target = _ROUTES.get(parts.hostname or "")
    if target:
        request.url = urlunsplit(("http", target, parts.path, parts.query, ""))
    return _send(self, request, *args, **kwargs)


HTTPAdapter.send = _routed_send  # type: ignore[method-assign]
