"""Pages of the liaison portal (the authority's side) and of requests for
information (the team's side).

Every page gets the activation through ``activation_get_for_user`` with the action it
needs: another authority's activation is a 404, the wrong role a 403. Actions are
plain POST forms redirecting back; a refused one renders the page again with the
person's input kept and the reason shown (400, 403, or 409 when someone else
changed the request first).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from activations.models import Activation
from activations.permissions import (
    Action,
    activation_allowed_actions,
    activation_get_for_user,
)
from activations.views._common import activation_context
from portal import selectors, services
from portal.context_processors import SESSION_KEY
from portal.forms import AnswerForm, AskForm, AssignForm, CloseForm, RfiFilterForm
from portal.models import RequestForInformation
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "rfi"


def _remember_liaison(request: AuthenticatedHttpRequest, is_liaison: bool) -> None:
    """Keep the "Portal" navigation link in step with what the person just saw."""
    if request.session.get(SESSION_KEY) != is_liaison:
        request.session[SESSION_KEY] = is_liaison


# --- the authority's portal -----------------------------------------------------------------
@login_required
@require_GET
def portal_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    activations = selectors.portal_activations(user=request.user)
    _remember_liaison(request, bool(activations))
    return render(
        request,
        "portal/home.html",
        {
            "activations": activations,
            "reports_ready": selectors.report_models() is not None,
        },
    )


def _portal_context(
    request: AuthenticatedHttpRequest, activation: Activation, ask_form: AskForm
) -> dict[str, Any]:
    allowed = activation_allowed_actions(user=request.user, activation=activation)
    return {
        "activation": activation,
        "can": {action.value: action in allowed for action in Action},
        "items": selectors.portal_items(activation=activation, user=request.user),
        "ask_form": ask_form,
        "reports_ready": selectors.report_models() is not None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def portal_activation(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One activation as its liaison sees it; POST asks a question."""
    action = Action.ASK_RFI if request.method == "POST" else Action.VIEW_RFI
    activation = activation_get_for_user(user=request.user, slug=slug, action=action)
    form = AskForm(request.POST or None, tz=activation.tz)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rfi = services.rfi_ask(
                    activation=activation,
                    by=request.user,
                    question=form.cleaned_data["question"],
                    due_at=form.due(),
                    priority=form.cleaned_data["priority"],
                )
            except DomainError as exc:
                logger.warning("RFI refused in %s: %s", activation.slug, exc.message)
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Your question was sent to the team as RFI %(number)s.")
                    % {"number": rfi.number},
                )
                return redirect(
                    reverse("portal:activation", args=[activation.slug])
                    + f"#rfi-{rfi.number}"
                )
        else:
            logger.warning(
                "RFI form refused in %s: %s", activation.slug, form.errors.as_json()
            )
            status = 400
    return render(
        request,
        "portal/activation.html",
        _portal_context(request, activation, form),
        status=status,
    )


# --- the team's list and detail ---------------------------------------------------------------
@login_required
@require_GET
def rfi_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_RFI
    )
    filters = RfiFilterForm(request.GET)
    status = filters.cleaned_data.get("status") if filters.is_valid() else ""
    rfis = selectors.rfi_list(activation=activation, status=status or None)
    counts = selectors.rfi_status_counts(activation=activation)
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context.update(
        {
            "rfis": rfis,
            "status": status,
            "total": sum(counts.values()),
            "status_tabs": [
                (value, label, counts.get(value, 0))
                for value, label in RequestForInformation.Status.choices
            ],
        }
    )
    return render(request, "portal/rfi_list.html", context)


def _rfi(
    request: AuthenticatedHttpRequest, slug: str, number: int, action: Action
) -> RequestForInformation:
    activation = activation_get_for_user(user=request.user, slug=slug, action=action)
    rfi = selectors.rfi_get(activation=activation, number=number)
    if rfi is None:
        raise Http404
    return rfi


def _detail(
    request: AuthenticatedHttpRequest,
    rfi: RequestForInformation,
    *,
    answer_form: AnswerForm | None = None,
    assign_form: AssignForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    activation = rfi.activation
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    can = context["can"]
    if rfi.is_open and can["answer_rfi"]:
        if answer_form is None:
            answer_form = AnswerForm(
                initial={"version": rfi.version},
                items=selectors.linkable_items(activation=activation),
                cases=selectors.linkable_cases(activation=activation),
                tz=activation.tz,
            )
        if assign_form is None:
            assign_form = AssignForm(
                initial={"version": rfi.version, "assignee": rfi.assigned_to_id},
                people=selectors.answerers(activation=activation),
            )
    else:
        answer_form = assign_form = None
    context.update(
        {
            "rfi": rfi,
            "answer_form": answer_form,
            "assign_form": assign_form,
            "error": error,
            "is_asker": rfi.asked_by_id == request.user.pk,
        }
    )
    return render(request, "portal/rfi_detail.html", context, status=status)


@login_required
@require_GET
def rfi_detail(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    return _detail(request, _rfi(request, slug, number, Action.VIEW_RFI))


def _back(rfi: RequestForInformation, anchor: str = "") -> HttpResponse:
    return redirect(
        reverse("portal:rfi-detail", args=[rfi.activation.slug, rfi.number]) + anchor
    )


@login_required
@require_POST
def rfi_answer(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rfi = _rfi(request, slug, number, Action.ANSWER_RFI)
    activation = rfi.activation
    form = AnswerForm(
        request.POST,
        items=selectors.linkable_items(activation=activation),
        cases=selectors.linkable_cases(activation=activation),
        tz=activation.tz,
    )
    if not form.is_valid():
        logger.warning(
            "RFI answer refused (%s #%s): %s", slug, number, form.errors.as_json()
        )
        if not rfi.is_open:  # a second answer: say who answered first
            return _detail(
                request, rfi, error=services.not_open_error(rfi).message, status=409
            )
        return _detail(request, rfi, answer_form=form, status=400)
    data = form.cleaned_data
    try:
        services.rfi_answer(
            rfi=rfi,
            by=request.user,
            answer=data["answer"],
            version=data["version"],
            map_item_ids=data.get("map_items", []),
            case_numbers=data.get("cases", []),
        )
    except DomainError as exc:
        logger.warning("RFI answer refused (%s #%s): %s", slug, number, exc.message)
        form.add_error(None, exc.message)
        fresh = selectors.rfi_get(activation=activation, number=number) or rfi
        return _detail(
            request,
            fresh,
            answer_form=form if fresh.is_open else None,
            error=exc.message,
            status=exc.status_code,
        )
    messages.success(request, _("The answer was sent to the authority."))
    return _back(rfi, "#answer")


@login_required
@require_POST
def rfi_assign(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """Assign (or with ``take``, take oneself) the open request."""
    rfi = _rfi(request, slug, number, Action.ANSWER_RFI)
    activation = rfi.activation
    form = AssignForm(request.POST, people=selectors.answerers(activation=activation))
    if not form.is_valid():
        logger.warning(
            "RFI assign refused (%s #%s): %s", slug, number, form.errors.as_json()
        )
        return _detail(request, rfi, assign_form=form, status=400)
    data = form.cleaned_data
    assignee: User | None
    if "take" in request.POST:
        assignee = request.user
    elif data["assignee"] is None:
        assignee = None
    else:
        assignee = User.objects.filter(pk=data["assignee"]).first()
    try:
        services.rfi_assign(
            rfi=rfi, by=request.user, assignee=assignee, version=data["version"]
        )
    except DomainError as exc:
        logger.warning("RFI assign refused (%s #%s): %s", slug, number, exc.message)
        fresh = selectors.rfi_get(activation=activation, number=number) or rfi
        return _detail(request, fresh, error=exc.message, status=exc.status_code)
    return _back(rfi)


@login_required
@require_POST
def rfi_close(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """The asker closes or withdraws the request."""
    rfi = _rfi(request, slug, number, Action.ASK_RFI)
    form = CloseForm(request.POST)
    if not form.is_valid():
        logger.warning(
            "RFI close refused (%s #%s): %s", slug, number, form.errors.as_json()
        )
        return _detail(
            request, rfi, error=_("Reload the page and try again."), status=400
        )
    service = (
        services.rfi_withdraw
        if form.cleaned_data["action"] == "withdraw"
        else services.rfi_close
    )
    try:
        service(rfi=rfi, by=request.user, version=form.cleaned_data["version"])
    except DomainError as exc:
        logger.warning("RFI close refused (%s #%s): %s", slug, number, exc.message)
        fresh = selectors.rfi_get(activation=rfi.activation, number=number) or rfi
        return _detail(request, fresh, error=exc.message, status=exc.status_code)
    if form.cleaned_data["action"] == "withdraw":
        messages.success(request, _("Your question was withdrawn."))
    else:
        messages.success(request, _("The request is closed."))
    return _back(rfi)
