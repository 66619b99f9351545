"""Verification case pages: the list, one case (post, evidence, grade, location,
verdict and its second review, history), opening a case by hand, and one POST URL
per action, each redirecting back to the case with a message.

Access goes through ``case_get_for_user`` (VIEW_CASES to read, VERIFY to change,
REVIEW_VERDICT to review; the service checks who may be the second reviewer). Every
change form carries the version of the case the page showed: a stale page changes
nothing and says so.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from audit import services as audit
from monitoring.models import Category
from verification import selectors
from verification.forms.cases import (
    AssignForm,
    CaseCreateForm,
    CaseFilterForm,
    EvidenceForm,
    GradeForm,
    LocateForm,
    PlaceSearchForm,
    ProposeForm,
    ReopenForm,
    ReviewForm,
    VersionForm,
)
from verification.models import Case, Credibility, Reliability
from verification.permissions import case_can_review, case_get_for_user, case_is_lead
from verification.services import cases as services
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

PAGE_SIZE = 50
# A place found by name is a town: its centre, give or take this much.
PLACE_RADIUS_M = 2000


# --- list and create --------------------------------------------------------------
@login_required
@require_GET
def case_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Cases with their status, grade and assignee; those awaiting the viewer's
    review are marked. Filters: open, awaiting review (mine), closed, all."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_CASES
    )
    context = activation_context(user=request.user, activation=activation, tab="cases")
    filters = CaseFilterForm(request.GET)
    chosen = filters.selector_filters()
    can_review = case_can_review(user=request.user, activation=activation)
    cases = selectors.case_list(activation=activation, user=request.user, **chosen)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.case_counts(activation=activation, user=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    tabs = [
        {
            "value": f.value,
            "label": selectors.FILTER_LABELS[f],
            "count": counts[f.value],
        }
        for f in selectors.CaseFilter
        if f != selectors.CaseFilter.MINE or can_review
    ]
    context |= {
        "filters": filters,
        "status": chosen["status"],
        "q": chosen.get("q", ""),
        "tabs": tabs,
        "page": page,
        "query": query.urlencode(),
        "can_review": can_review,
        "awaiting_me": counts["mine"] if can_review else 0,
    }
    response = render(request, "verification/cases.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open a case by hand: the claim, and optionally the queue item it comes from."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VERIFY
    )
    initial = {}
    if (item := request.GET.get("item", "")).isdigit():
        initial["item"] = int(item)
    form = CaseCreateForm(request.POST or None, activation=activation, initial=initial)
    if request.method == "POST" and form.is_valid():
        cluster = form.cleaned_data["item"]
        existing = cluster.cases.first() if cluster is not None else None
        try:
            case = services.case_open(
                activation=activation,
                by=request.user,
                claim=form.cleaned_data["claim"],
                cluster=cluster,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if existing is not None:
                messages.info(
                    request,
                    _("This item already has case #%(number)s: here it is.")
                    % {"number": case.number},
                )
            else:
                messages.success(
                    request, _("Case #%(number)s opened.") % {"number": case.number}
                )
            return redirect(
                "verification:case-detail", slug=activation.slug, number=case.number
            )
    context = activation_context(user=request.user, activation=activation, tab="cases")
    context["form"] = form
    return render(request, "verification/case_create.html", context)


# --- one case ------------------------------------------------------------------------
def _map_data(case: Case) -> dict[str, Any]:
    post = case.post
    return {
        "case": (
            {
                "lon": case.location.x,
                "lat": case.location.y,
                "radius": case.location_radius_m,
                "place": case.place_name,
            }
            if case.location
            else None
        ),
        "post": (
            {
                "lon": post.location.x,
                "lat": post.location.y,
                "radius": services.POST_RADIUS_M.get(
                    post.location_source, services.DEFAULT_POST_RADIUS_M
                ),
                "place": post.place_name,
            }
            if post is not None and post.location is not None
            else None
        ),
    }


def _detail(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    case: Case,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; `bound` replaces blank forms by the submitted ones with their
    errors (what was typed is never lost)."""
    bound = bound or {}
    user = request.user
    context = activation_context(user=user, activation=activation, tab="cases")
    can = context["can"]
    version = {"version": case.version}
    closed = case.status in Case.FINAL
    is_lead = case_is_lead(user=user, activation=activation)
    can_review = can[Action.REVIEW_VERDICT] and case_can_review(
        user=user, activation=activation
    )
    place_form = PlaceSearchForm(request.GET)
    places = (
        selectors.place_search(place_form.cleaned_data["place"])
        if place_form.is_valid() and place_form.cleaned_data["place"]
        else None
    )
    editable = can[Action.VERIFY] and not closed
    forms_: dict[str, Any] = {}
    if editable:
        forms_ = {
            "evidence_form": EvidenceForm(),
            "grade_form": GradeForm(
                initial={
                    **version,
                    "reliability": case.reliability,
                    "credibility": case.credibility,
                }
            ),
            "locate_form": LocateForm(
                initial={
                    **version,
                    "lon": case.location.x if case.location else None,
                    "lat": case.location.y if case.location else None,
                    "radius_m": case.location_radius_m,
                    "source": case.location_source or Case.LocationSource.MAP,
                    "place_name": case.place_name,
                }
            ),
            "propose_form": ProposeForm(initial=version),
        }
        if is_lead:
            forms_["assign_form"] = AssignForm(
                initial={**version, "assignee": case.assigned_to_id},
                people=selectors.case_assignable_people(activation=activation),
            )
    if case.awaiting_review and can_review and case.proposed_by_id != user.pk:
        forms_["review_form"] = ReviewForm(initial=version)
    if closed and is_lead and can[Action.VERIFY]:
        forms_["reopen_form"] = ReopenForm(initial=version)
    forms_ |= bound
    post = case.post
    if post is not None:
        audit.record_request(
            request,
            action=audit.Action.PERSONAL_DATA_VIEW,
            activation=activation,
            obj=case,
            summary=f"case={case.number} post={post.pk}",
        )
    context |= {
        "case": case,
        "post": post,
        "facts": selectors.author_facts(post) if post else [],
        "media": selectors.post_media(post) if post else [],
        "archive_links": selectors.archive_links(post.url) if post else [],
        "evidence": selectors.case_evidence(case=case),
        "events": selectors.case_events(case=case),
        "map_data": _map_data(case),
        "place_form": place_form,
        "places": places,
        "place_radius": PLACE_RADIUS_M,
        "editable": editable,
        "is_lead": is_lead,
        "can_review": can_review,
        "proposed_by_me": case.awaiting_review and case.proposed_by_id == user.pk,
        "can_withdraw": case.awaiting_review
        and can[Action.VERIFY]
        and (case.proposed_by_id == user.pk or is_lead),
        "category_label": dict(Category.choices).get(case.category, case.category),
        "reliability_scale": Reliability.choices,
        "credibility_scale": Credibility.choices,
        **forms_,
    }
    return render(request, "verification/case_detail.html", context, status=status)


@login_required
@require_GET
def case_detail(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(user=request.user, slug=slug, number=number)
    return _detail(request, activation, case)


# --- actions ------------------------------------------------------------------------
def _back(case: Case, activation: Activation, anchor: str = "") -> HttpResponse:
    url = reverse("verification:case-detail", args=[activation.slug, case.number])
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("The form is not valid.")


def _stale(request: AuthenticatedHttpRequest, error: ConflictError) -> None:
    messages.warning(request, error.message)


def _run(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    case: Case,
    *,
    form: forms.Form,
    form_name: str,
    anchor: str,
    success: str,
    call: Any,
) -> HttpResponse:
    """Validate `form`, call the service; a refused change shows the page again with
    the form as typed and the reason, a stale version a warning (nothing changed)."""
    if not form.is_valid():
        if "version" in form.errors:
            messages.warning(
                request, _("The page was incomplete: reload it and retry.")
            )
            return _back(case, activation, anchor)
        messages.error(request, _first_error(form))
        return _detail(request, activation, case, bound={form_name: form}, status=400)
    try:
        call(form.cleaned_data)
    except ConflictError as exc:
        _stale(request, exc)
        return _back(case, activation, anchor)
    except DomainError as exc:
        form.add_error(None, exc.message)
        messages.error(request, exc.message)
        return _detail(
            request, activation, case, bound={form_name: form}, status=exc.status_code
        )
    messages.success(request, success)
    return _back(case, activation, anchor)


@login_required
@require_POST
def case_start(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    return _run(
        request,
        activation,
        case,
        form=VersionForm(request.POST),
        form_name="version_form",
        anchor="",
        success=_("You are working on case #%(number)s.") % {"number": case.number},
        call=lambda data: services.case_start(
            case=case, by=request.user, version=data["version"]
        ),
    )


@login_required
@require_POST
def case_assign(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """Assign (leads), or take / let go of a case (anyone who verifies): ``take=1`` or
    ``release=1`` instead of an assignee."""
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    people = selectors.case_assignable_people(activation=activation)
    form = AssignForm(request.POST, people=people)
    if request.POST.get("take"):
        target = "take"
    elif request.POST.get("release"):
        target = "release"
    else:
        target = "assignee"

    def call(data: dict[str, Any]) -> None:
        assignee = {
            "take": request.user,
            "release": None,
        }.get(target, data.get("assignee"))
        services.case_assign(
            case=case, by=request.user, assignee=assignee, version=data["version"]
        )

    return _run(
        request,
        activation,
        case,
        form=form,
        form_name="assign_form",
        anchor="",
        success=_("Assignment saved."),
        call=call,
    )


@login_required
@require_POST
def case_evidence_add(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    return _run(
        request,
        activation,
        case,
        form=EvidenceForm(request.POST),
        form_name="evidence_form",
        anchor="evidence",
        success=_("Evidence added."),
        call=lambda data: services.evidence_add(case=case, by=request.user, **data),
    )


@login_required
@require_POST
def case_grade(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    return _run(
        request,
        activation,
        case,
        form=GradeForm(request.POST),
        form_name="grade_form",
        anchor="grade",
        success=_("Grade saved."),
        call=lambda data: services.case_grade(case=case, by=request.user, **data),
    )


@login_required
@require_POST
def case_locate(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )

    def call(data: dict[str, Any]) -> None:
        clear = bool(data["clear"])
        services.case_locate(
            case=case,
            by=request.user,
            point=None if clear else Point(data["lon"], data["lat"], srid=4326),
            radius_m=data["radius_m"],
            source=data["source"],
            place_name=data["place_name"],
            version=data["version"],
        )

    return _run(
        request,
        activation,
        case,
        form=LocateForm(request.POST),
        form_name="locate_form",
        anchor="location",
        success=_("Location saved."),
        call=call,
    )


@login_required
@require_POST
def case_propose(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    form = ProposeForm(request.POST)
    closes = request.POST.get("status") == Case.Status.UNVERIFIABLE
    return _run(
        request,
        activation,
        case,
        form=form,
        form_name="propose_form",
        anchor="verdict",
        success=(
            _("Case closed as unverifiable.")
            if closes
            else _("Verdict proposed: it now waits for a second reviewer.")
        ),
        call=lambda data: services.case_propose_verdict(
            case=case, by=request.user, **data
        ),
    )


@login_required
@require_POST
def case_review(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.REVIEW_VERDICT
    )
    approve = request.POST.get("decision") == "confirm"
    return _run(
        request,
        activation,
        case,
        form=ReviewForm(request.POST),
        form_name="review_form",
        anchor="verdict",
        success=(
            _("Verdict confirmed: the case is closed.")
            if approve
            else _("Verdict sent back with your note.")
        ),
        call=lambda data: services.case_review(
            case=case,
            by=request.user,
            approve=data["decision"] == "confirm",
            note=data["note"],
            version=data["version"],
        ),
    )


@login_required
@require_POST
def case_withdraw(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    return _run(
        request,
        activation,
        case,
        form=VersionForm(request.POST),
        form_name="version_form",
        anchor="verdict",
        success=_("Proposal withdrawn."),
        call=lambda data: services.case_withdraw_proposal(
            case=case, by=request.user, version=data["version"]
        ),
    )


@login_required
@require_POST
def case_reopen(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    activation, case = case_get_for_user(
        user=request.user, slug=slug, number=number, action=Action.VERIFY
    )
    return _run(
        request,
        activation,
        case,
        form=ReopenForm(request.POST),
        form_name="reopen_form",
        anchor="verdict",
        success=_("Case reopened."),
        call=lambda data: services.case_reopen(case=case, by=request.user, **data),
    )
