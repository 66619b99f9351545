"""Pages of the audit trail: an activation's (its coordinators, Action.VIEW_AUDIT)
and a VOST team's (the team's coordinators, through
organisation_get_for_user(manage=True)); filters, keyset paging newest first and
a CSV download, itself recorded as an export."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activations.models import Activation, Organisation
from activations.permissions import (
    Action,
    activation_get_for_user,
    organisation_get_for_user,
)
from activations.views._common import activation_context
from audit import selectors, services
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.selectors import AuditPage
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


def _team(request: AuthenticatedHttpRequest, team_id: int) -> Organisation:
    team = organisation_get_for_user(
        user=request.user, organisation_id=team_id, manage=True
    )
    if not team.is_vost_team:
        raise Http404
    return team


def _activation(request: AuthenticatedHttpRequest, slug: str) -> Activation:
    return activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_AUDIT
    )


def _tz(activation: Activation | None) -> dt.tzinfo:
    return activation.tz if activation is not None else zoneinfo.ZoneInfo("UTC")


def _page_context(
    request: AuthenticatedHttpRequest,
    events: QuerySet[AuditEvent],
    *,
    activation: Activation | None,
) -> tuple[dict[str, object], int]:
    form = AuditFilterForm(request.GET, tz=_tz(activation))
    page = AuditPage(events=[])
    error = ""
    status = 200
    actors = selectors.audit_actors(events)
    if form.is_valid():
        filtered = selectors.audit_filter(events, filters=form.filters())
        try:
            page = selectors.audit_page(filtered, cursor=request.GET.get("after", ""))
        except DomainError as exc:
            logger.warning("audit page refused: %s", exc.message)
            error, status = exc.message, exc.status_code
    else:
        logger.warning("audit filters refused: %s", form.errors.as_json())
        status = 400
    query = request.GET.copy()
    query.pop("after", None)
    next_url = ""
    if page.next_cursor:
        more = query.copy()
        more["after"] = page.next_cursor
        next_url = "?" + more.urlencode()
    return {
        "form": form,
        "page": page,
        "error": error,
        "actors": actors,
        "query": query.urlencode(),
        "next_url": next_url,
        "first_page": not request.GET.get("after"),
        "show_activation": activation is None,
    }, status


def _csv(
    request: AuthenticatedHttpRequest,
    events: QuerySet[AuditEvent],
    *,
    activation: Activation | None,
    team: Organisation | None,
    filename: str,
) -> HttpResponseBase:
    form = AuditFilterForm(request.GET, tz=_tz(activation))
    if not form.is_valid():
        logger.warning("audit CSV filters refused: %s", form.errors.as_json())
        return HttpResponseBadRequest(_("Invalid filters."))
    filtered = selectors.audit_filter(events, filters=form.filters())
    services.record_request(
        request,
        action=services.Action.EXPORT,
        activation=activation,
        organisation=team,
        object_type="audit.trail",
        object_id=activation.slug if activation else team.pk if team else "",
        summary="audit trail format=csv filters="
        + ",".join(sorted(k for k, v in form.cleaned_data.items() if v)),
    )
    response = StreamingHttpResponse(
        selectors.audit_csv_rows(filtered), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def activation_audit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug)
    events = selectors.audit_events(activation=activation)
    context, status = _page_context(request, events, activation=activation)
    context |= activation_context(user=request.user, activation=activation, tab="audit")
    context["csv_url_name"] = "audit:activation-audit-csv"
    return render(request, "audit/audit.html", context, status=status)


@login_required
@require_GET
def activation_audit_csv(
    request: AuthenticatedHttpRequest, slug: str
) -> HttpResponseBase:
    activation = _activation(request, slug)
    return _csv(
        request,
        selectors.audit_events(activation=activation),
        activation=activation,
        team=None,
        filename=f"{activation.slug}-audit.csv",
    )


@login_required
@require_GET
def team_audit(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    events = selectors.audit_events(team=team)
    context, status = _page_context(request, events, activation=None)
    context["team"] = team
    return render(request, "audit/team_audit.html", context, status=status)


@login_required
@require_GET
def team_audit_csv(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponseBase:
    team = _team(request, team_id)
    return _csv(
        request,
        selectors.audit_events(team=team),
        activation=None,
        team=team,
        filename=f"team-{team.pk}-audit.csv",
    )
