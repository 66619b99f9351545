"""Situation reports pages: the list (with "Compose"), one report (web view, map,
acknowledgements, the actions the viewer's role allows), its edit form, and its
deliveries: SVG map, PDF (in the reader's language) and JSON.

Every page gets the activation through ``activation_get_for_user`` with the action
it needs; liaisons and observers see published reports only (others answer 404).
A refused action renders the report again with the reason (400, or 409 when
someone else acted first) and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from audit import services as audit
from reports import selectors, services
from reports.forms import (
    SECTION_LABELS,
    ComposeForm,
    CorrectForm,
    EditForm,
    RevisionForm,
)
from reports.models import SECTION_KEYS, SituationReport
from reports.rendering import report_document, report_pdf
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "reports"


def _report(
    request: AuthenticatedHttpRequest,
    slug: str,
    number: int,
    version: int,
    action: Action,
) -> SituationReport:
    activation = activation_get_for_user(user=request.user, slug=slug, action=action)
    report = selectors.report_get(activation=activation, number=number, version=version)
    if report is None:
        raise Http404
    return report


def _status(error: DomainError) -> int:
    return 409 if isinstance(error, ConflictError) else 400


# --- the list --------------------------------------------------------------------------
@login_required
@require_GET
def report_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_REPORTS
    )
    return _list_page(request, activation)


def _list_page(
    request: AuthenticatedHttpRequest,
    activation: Any,
    *,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    reports = list(selectors.report_list(activation=activation)[:300])
    latest = selectors.latest_published_versions(activation=activation)
    for report in reports:
        report.superseded = (  # type: ignore[attr-defined]
            report.is_published and latest.get(report.number, 0) > report.version
        )
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "reports": reports,
        "compose_form": form or ComposeForm(),
        "next_due": services.report_next_due(activation=activation),
        "published_only": selectors.sees_published_only(activation),
    }
    return render(request, "reports/report_list.html", context, status=status)


@login_required
@require_POST
def report_compose(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.EDIT_REPORTS
    )
    form = ComposeForm(request.POST)
    if not form.is_valid():  # a checkbox: only junk gets here
        logger.warning("report compose in %s: bad form %s", slug, form.errors.as_json())
        return _list_page(request, activation, form=form, status=400)
    try:
        report = services.report_compose(
            activation=activation,
            by=request.user,
            is_final=form.cleaned_data["is_final"],
        )
    except DomainError as exc:
        logger.warning("report compose in %s refused: %s", slug, exc.message)
        form.add_error(None, exc.message)
        return _list_page(request, activation, form=form, status=_status(exc))
    messages.success(
        request,
        _("Report %(label)s composed: check and edit it.") % {"label": report.label},
    )
    return redirect(
        "reports:report-edit", slug=slug, number=report.number, version=report.version
    )


# --- one report ------------------------------------------------------------------------
def _detail_page(
    request: AuthenticatedHttpRequest,
    report: SituationReport,
    *,
    error: str = "",
    correct_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    activation = report.activation
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    can = context["can"]
    acks = (
        list(selectors.report_acknowledgements(report=report))
        if report.is_published
        else []
    )
    context |= {
        "report": report,
        "error": error,
        "map_src": _url("reports:report-map", report),
        "acks": acks,
        "my_ack": next((a for a in acks if a.user_id == request.user.pk), None),
        "superseded": report.is_published and selectors.report_is_superseded(report),
        "versions": list(
            selectors.report_list(activation=activation).filter(number=report.number)
        ),
        "correct_form": correct_form
        or (
            CorrectForm() if can[Action.EDIT_REPORTS] and report.is_published else None
        ),
        "Status": SituationReport.Status,
    }
    return render(request, "reports/report_detail.html", context, status=status)


def _url(name: str, report: SituationReport) -> str:
    from django.urls import reverse

    return reverse(name, args=[report.activation.slug, report.number, report.version])


@login_required
@require_GET
def report_detail(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.VIEW_REPORTS)
    return _detail_page(request, report)


@login_required
@require_GET
def report_latest(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_REPORTS
    )
    report = selectors.report_get(activation=activation, number=number)
    if report is None:
        raise Http404
    return redirect(_url("reports:report-detail", report))


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.EDIT_REPORTS)
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            try:
                services.report_edit(
                    report=report,
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                    summary=form.cleaned_data["summary"],
                    texts=form.texts(),
                    is_final=form.cleaned_data["is_final"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = _status(exc)
            else:
                messages.success(
                    request, _("Report %(label)s saved.") % {"label": report.label}
                )
                return redirect(_url("reports:report-detail", report))
        else:
            status = 400
        logger.warning(
            "report %s of %s: edit refused: %s",
            report.label,
            slug,
            form.errors.as_json(),
        )
    else:
        if not report.is_editable:
            messages.error(
                request,
                _(
                    "Report %(label)s is published and cannot be changed: publish a correction instead."
                )
                % {"label": report.label},
            )
            return redirect(_url("reports:report-detail", report))
        form = EditForm(
            initial={
                "revision": report.revision,
                "summary": report.summary,
                "is_final": report.is_final,
                **{f"text_{key}": report.texts.get(key, "") for key in SECTION_KEYS},
            }
        )
    context = activation_context(
        user=request.user, activation=report.activation, tab=TAB
    )
    context |= {"report": report, "form": form, "section_labels": SECTION_LABELS}
    return render(request, "reports/report_edit.html", context, status=status)


def _transition(
    request: AuthenticatedHttpRequest,
    slug: str,
    number: int,
    version: int,
    *,
    action: Action,
    name: str,
) -> HttpResponse:
    report = _report(request, slug, number, version, action)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        logger.warning("report %s of %s: %s without revision", report.label, slug, name)
        return _detail_page(
            request, report, error=_("Reload the page and try again."), status=400
        )
    step = {
        "submit": services.report_submit,
        "return": services.report_return,
        "publish": services.report_publish,
        "refresh": services.report_refresh,
    }[name]
    try:
        report = step(
            report=report, by=request.user, revision=form.cleaned_data["revision"]
        )
    except DomainError as exc:
        logger.warning(
            "report %s of %s: %s refused: %s", report.label, slug, name, exc.message
        )
        return _detail_page(request, report, error=exc.message, status=_status(exc))
    done = {
        "submit": _("Report %(label)s submitted for review."),
        "return": _("Report %(label)s sent back to draft."),
        "publish": _("Report %(label)s published; the liaisons are notified."),
        "refresh": _("Report %(label)s composed again from the current data."),
    }[name]
    messages.success(request, done % {"label": report.label})
    return redirect(_url("reports:report-detail", report))


@login_required
@require_POST
def report_submit(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    return _transition(
        request, slug, number, version, action=Action.EDIT_REPORTS, name="submit"
    )


@login_required
@require_POST
def report_refresh(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    return _transition(
        request, slug, number, version, action=Action.EDIT_REPORTS, name="refresh"
    )


@login_required
@require_POST
def report_return(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    return _transition(
        request, slug, number, version, action=Action.PUBLISH_REPORTS, name="return"
    )


@login_required
@require_POST
def report_publish(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    return _transition(
        request, slug, number, version, action=Action.PUBLISH_REPORTS, name="publish"
    )


@login_required
@require_POST
def report_correct(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.EDIT_REPORTS)
    form = CorrectForm(request.POST)
    if form.is_valid():
        try:
            correction = services.report_correct(
                report=report,
                by=request.user,
                change_note=form.cleaned_data["change_note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            logger.warning(
                "report %s of %s: correction refused: %s",
                report.label,
                slug,
                exc.message,
            )
            return _detail_page(request, report, correct_form=form, status=_status(exc))
        messages.success(
            request, _("Correction %(label)s started.") % {"label": correction.label}
        )
        return redirect(_url("reports:report-edit", correction))
    logger.warning(
        "report %s of %s: bad correction %s", report.label, slug, form.errors.as_json()
    )
    return _detail_page(request, report, correct_form=form, status=400)


@login_required
@require_POST
def report_acknowledge(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.ACKNOWLEDGE_REPORTS)
    try:
        _ack, created = services.report_acknowledge(report=report, by=request.user)
    except DomainError as exc:
        logger.warning(
            "report %s of %s: acknowledgement refused: %s",
            report.label,
            slug,
            exc.message,
        )
        return _detail_page(request, report, error=exc.message, status=_status(exc))
    if created:
        messages.success(
            request,
            _("Receipt of report %(label)s recorded.") % {"label": report.label},
        )
    else:
        messages.info(
            request,
            _("You had already acknowledged report %(label)s.")
            % {"label": report.label},
        )
    return redirect(_url("reports:report-detail", report))


# --- deliveries --------------------------------------------------------------------------
@login_required
@require_GET
def report_map(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.VIEW_REPORTS)
    response = HttpResponse(report.map_svg, content_type="image/svg+xml; charset=utf-8")
    # An SVG opened on its own must not run anything.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def report_pdf_download(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.VIEW_REPORTS)
    pdf = report_pdf(report=report, language=request.user.language or "en")
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        activation=report.activation,
        obj=report,
        summary=f"format=pdf {report.label}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{report.activation.slug}-report-{report.number}-v{report.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_json(
    request: AuthenticatedHttpRequest, slug: str, number: int, version: int
) -> HttpResponse:
    report = _report(request, slug, number, version, Action.VIEW_REPORTS)
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        activation=report.activation,
        obj=report,
        summary=f"format=json {report.label}",
    )
    response = JsonResponse(
        report_document(report), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "private, no-store"
    return response
