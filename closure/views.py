"""After-action review pages: the figures, the timeline, lessons learned, the PDF."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user, role_allows
from activations.views._common import activation_context, report_domain_error
from audit import services as audit
from closure import services
from closure.forms import LessonsForm
from closure.pdf import aar_pdf
from closure.presentation import aar_context
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


def can_edit_lessons(activation: Activation) -> bool:
    """Coordinators (MANAGE) and team leads (EDIT_REPORTS) write the lessons learned."""
    role = getattr(activation, "viewer_role", None)
    return role_allows(role, Action.MANAGE) or role_allows(role, Action.EDIT_REPORTS)


def _page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    form: LessonsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = aar_context(activation=activation)
    review = context["review"]
    can_edit = can_edit_lessons(activation)
    if can_edit and form is None:
        form = LessonsForm(
            initial={
                "lessons_learned": review.lessons_learned if review else "",
                "version": review.version if review else 1,
            }
        )
    return render(
        request,
        "closure/after_action.html",
        {
            **activation_context(
                user=request.user, activation=activation, tab="after_action"
            ),
            **context,
            "form": form if can_edit else None,
            "can_edit_lessons": can_edit,
            "blockers": (
                services.closing_blockers(activation) if activation.is_open else []
            ),
        },
        status=status,
    )


@login_required
@require_GET
def after_action(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The review: live figures while open, frozen ones once closed."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_AFTER_ACTION
    )
    return _page(request, activation)


@login_required
@require_POST
def lessons_update(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Save the lessons learned (coordinators and team leads)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_AFTER_ACTION
    )
    if not can_edit_lessons(activation):
        raise PermissionDenied
    form = LessonsForm(request.POST)
    if not form.is_valid():
        logger.warning(
            "lessons learned refused for activation %s: %s",
            activation.pk,
            form.errors.as_json(),
        )
        return _page(request, activation, form=form, status=400)
    try:
        services.aar_lessons_update(
            activation=activation,
            by=request.user,
            lessons_learned=form.cleaned_data["lessons_learned"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        logger.warning(
            "lessons learned refused for activation %s: %s", activation.pk, exc.code
        )
        report_domain_error(request, exc)
        return _page(request, activation, form=form, status=exc.status_code)
    messages.success(request, _("Lessons learned saved."))
    return redirect("closure:after-action", slug=activation.slug)


@login_required
@require_GET
def after_action_pdf(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The review as an A4 PDF in the reader's language."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_AFTER_ACTION
    )
    pdf = aar_pdf(
        activation=activation,
        language=translation.get_language() or "en",
        base_url=request.build_absolute_uri("/"),
    )
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        activation=activation,
        object_type="closure.afteraction",
        object_id=activation.slug,
        summary="after-action review format=pdf",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{activation.slug}-after-action.pdf"'
    )
    return response
