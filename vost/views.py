"""Project-level endpoints: the health probes."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vost.health import readiness_check
from vost.permissions import public


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; checks nothing else."""
    return JsonResponse({"status": "ok"})


@public
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 only when the database, Redis and at least one Celery worker answer."""
    readiness = readiness_check()
    body = {
        "status": "ok" if readiness.ok else "unavailable",
        "components": {c.name: asdict(c) for c in readiness.components},
    }
    return JsonResponse(body, status=200 if readiness.ok else 503)
