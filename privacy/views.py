"""Data-protection pages: the record of processing of an activation (page, edit,
JSON, print, PDF) and an organisation's data-subject requests."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation, Organisation
from activations.permissions import Action, activation_get_for_user, role_allows
from activations.views._common import activation_context, report_domain_error
from audit import services as audit
from privacy import selectors, services
from privacy.forms import (
    ConfirmForm,
    ProcessingRecordForm,
    RefuseForm,
    SubjectRequestForm,
)
from privacy.models import EDITABLE, SubjectRequest
from privacy.pdf import record_html, record_pdf
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


# --- the record of processing ----------------------------------------------------
def _record_context(activation: Activation) -> dict[str, Any]:
    record = services.processing_record_get(activation=activation)
    return {
        "activation": activation,
        "record": record,
        "retention": selectors.retention_text(activation),
        "document": selectors.record_document(activation=activation, record=record),
        "generated_at": timezone.now(),
    }


def _record_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    form: ProcessingRecordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _record_context(activation)
    can_edit = role_allows(
        getattr(activation, "viewer_role", None), Action.MANAGE_PROCESSING_RECORD
    )
    if can_edit and form is None:
        form = ProcessingRecordForm(
            instance=context["record"], initial={"version": context["record"].version}
        )
    return render(
        request,
        "privacy/record.html",
        {
            **activation_context(
                user=request.user, activation=activation, tab="privacy_record"
            ),
            **context,
            "form": form if can_edit else None,
        },
        status=status,
    )


@login_required
@require_GET
def record(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_PROCESSING_RECORD
    )
    return _record_page(request, activation)


@login_required
@require_POST
def record_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_PROCESSING_RECORD
    )
    current = services.processing_record_get(activation=activation)
    form = ProcessingRecordForm(request.POST, instance=current)
    if not form.is_valid():
        logger.warning(
            "record of processing of %s refused: %s",
            activation.pk,
            form.errors.as_json(),
        )
        return _record_page(request, activation, form=form, status=400)
    values = {name: form.cleaned_data[name] for name in EDITABLE}
    try:
        services.processing_record_update(
            activation=activation,
            by=request.user,
            values=values,
            version=form.cleaned_data.get("version"),
        )
    except DomainError as exc:
        logger.warning(
            "record of processing of %s refused: %s", activation.pk, exc.code
        )
        report_domain_error(request, exc)
        return _record_page(request, activation, form=form, status=exc.status_code)
    messages.success(request, _("Record of processing saved."))
    return redirect("privacy:record", slug=activation.slug)


@login_required
@require_GET
def record_json(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_PROCESSING_RECORD
    )
    document = _record_context(activation)["document"]
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{activation.slug}-record-of-processing.json"'
    )
    return response


@login_required
@require_GET
def record_print(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_PROCESSING_RECORD
    )
    html = record_html(
        context=_record_context(activation),
        language=translation.get_language() or "en",
    )
    return HttpResponse(html)


@login_required
@require_GET
def record_pdf_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_PROCESSING_RECORD
    )
    pdf = record_pdf(
        context=_record_context(activation),
        language=translation.get_language() or "en",
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{activation.slug}-record-of-processing.pdf"'
    )
    return response


# --- data-subject requests ----------------------------------------------------------
def _organisation(
    request: AuthenticatedHttpRequest, organisation_id: int
) -> Organisation:
    return selectors.organisation_for_requests(
        user=request.user, organisation_id=organisation_id
    )


def _request(organisation: Organisation, number: int) -> SubjectRequest:
    found = selectors.request_get(organisation=organisation, number=number)
    if found is None:
        raise Http404
    return found


def _requests_page(
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    form: SubjectRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "privacy/requests.html",
        {
            "organisation": organisation,
            "requests": selectors.requests_list(organisation=organisation)[:200],
            "form": form or SubjectRequestForm(initial={"kind": "access"}),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def requests(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    """The organisation's requests, and opening one (coordinators of the team)."""
    organisation = _organisation(request, organisation_id)
    if request.method == "GET":
        return _requests_page(request, organisation)
    form = SubjectRequestForm(request.POST)
    if not form.is_valid():
        logger.warning("subject request refused: %s", form.errors.as_json())
        return _requests_page(request, organisation, form=form, status=400)
    try:
        opened = services.subject_request_open(
            organisation=organisation,
            by=request.user,
            kind=form.cleaned_data["kind"],
            platform=form.cleaned_data["platform"],
            handle=form.cleaned_data["handle"],
            include_mentions=form.cleaned_data["include_mentions"],
            requester_note=form.cleaned_data["requester_note"],
        )
    except DomainError as exc:
        logger.warning("subject request refused: %s", exc.code)
        form.add_error("handle" if "handle" in exc.code else None, exc.message)
        return _requests_page(request, organisation, form=form, status=exc.status_code)
    return redirect(
        "privacy:request-detail", organisation_id=organisation.pk, number=opened.number
    )


@login_required
@require_GET
def request_detail(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    subject = _request(organisation, number)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "organisation": organisation,
            "subject": subject,
            "confirm_form": ConfirmForm(),
            "refuse_form": RefuseForm(),
            "can_approve": subject.opened_by_id != request.user.pk,
            "now": timezone.now(),
        },
    )


def _step(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int, step: str
) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    subject = _request(organisation, number)
    confirm = request.POST.get("confirm") in ("on", "true", "1")
    try:
        if step == "find":
            services.subject_request_find(request=subject, by=request.user)
            messages.success(request, _("Search done: see what was found."))
        elif step == "approve":
            services.subject_request_approve(
                request=subject, by=request.user, confirm=confirm
            )
            messages.success(request, _("Erasure approved."))
        elif step == "complete":
            was = subject.status
            done = services.subject_request_complete(
                request=subject, by=request.user, confirm=confirm
            )
            if was == SubjectRequest.Status.COMPLETED:
                messages.info(request, _("This request was already completed."))
            elif done.kind == SubjectRequest.Kind.ERASURE:
                messages.success(
                    request,
                    _("Erasure completed: %(n)s post(s) erased.")
                    % {"n": done.counts.get("posts_erased", 0)},
                )
            else:
                messages.success(request, _("Request completed."))
        else:
            form = RefuseForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("Say why the request is refused."), code="invalid")
            services.subject_request_refuse(
                request=subject, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Request refused."))
    except DomainError as exc:
        logger.warning(
            "subject request %s: %s refused (%s)", subject.pk, step, exc.code
        )
        report_domain_error(request, exc)
    return redirect(
        "privacy:request-detail", organisation_id=organisation.pk, number=number
    )


@login_required
@require_POST
def request_find(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    return _step(request, organisation_id, number, "find")


@login_required
@require_POST
def request_approve(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    return _step(request, organisation_id, number, "approve")


@login_required
@require_POST
def request_complete(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    return _step(request, organisation_id, number, "complete")


@login_required
@require_POST
def request_refuse(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    return _step(request, organisation_id, number, "refuse")


@login_required
@require_GET
def request_data(
    request: AuthenticatedHttpRequest, organisation_id: int, number: int
) -> HttpResponse:
    """An access request's data as JSON (once searched)."""
    organisation = _organisation(request, organisation_id)
    subject = _request(organisation, number)
    if subject.kind != SubjectRequest.Kind.ACCESS or subject.status not in (
        SubjectRequest.Status.FOUND,
        SubjectRequest.Status.COMPLETED,
    ):
        raise Http404
    findings = selectors.subject_findings(
        organisation=organisation,
        platform=subject.platform,
        handle=subject.handle,
        include_mentions=subject.include_mentions,
    )
    document = {
        "request": {
            "number": subject.number,
            "platform": subject.platform,
            "account": subject.handle,
            "organisation": organisation.name,
            "generated_at": timezone.now(),
        },
        **selectors.subject_data(findings),
    }
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        organisation=organisation,
        obj=subject,
        summary=f"subject request data kind={subject.kind}",
    )
    logger.info(
        "subject request %s: data downloaded by %s", subject.pk, request.user.pk
    )
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="subject-request-{subject.number}.json"'
    )
    return response
