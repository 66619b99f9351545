"""Organisation pages: VOST teams and authorities, their general contacts and their
members (the people who manage or act for them).

Access goes through activations.permissions only: organisations the user may not
see are 404, those they may see but not manage are 403. Agreements between
organisations are in activations/views/agreements.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations import selectors, services
from activations.forms.partners import (
    ContactForm,
    MemberRemoveForm,
    OrganisationFilterForm,
    OrganisationForm,
    OrganisationMemberForm,
)
from activations.models import Contact, Organisation
from activations.permissions import (
    coordinated_teams,
    organisation_can_manage,
    organisation_get_for_user,
    organisations_visible_to,
    vost_team_can_create,
)
from activations.views._common import contact_form_page, report_domain_error
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest


# --- organisations ----------------------------------------------------------------
@login_required
@require_GET
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Organisations the user belongs to, and the partners of the teams they coordinate."""
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = (
        selectors.organisation_list(
            user=request.user,
            kind=filters.get("kind") or None,
            query=filters.get("q", ""),
        )
        .select_related("managed_by")
        # distinct: the visibility filter joins members and agreements
        .annotate(
            contacts_count=Count("contacts", distinct=True),
            members_count=Count("members", distinct=True),
        )
    )
    return render(
        request,
        "activations/partners/organisation_list.html",
        {
            "form": form,
            "filtered": bool(filters.get("kind") or filters.get("q")),
            "organisations": organisations,
            "can_create": vost_team_can_create(request.user)
            or coordinated_teams(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators record authorities for one of their teams; staff create VOST teams."""
    teams = coordinated_teams(request.user).order_by("name")
    if not vost_team_can_create(request.user) and not teams.exists():
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, user=request.user, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(
                by=request.user,
                managed_by=form.cleaned_data.get("managed_by"),
                **form.service_fields(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s has been recorded.") % {"name": organisation.name},
            )
            return redirect("activations:organisation-detail", organisation.pk)
    return render(
        request,
        "activations/partners/organisation_form.html",
        {"form": form, "organisation": None},
    )


@login_required
@require_GET
def organisation_detail(
    request: AuthenticatedHttpRequest, organisation_id: int
) -> HttpResponse:
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id
    )
    can_manage = organisation_can_manage(request.user, organisation)
    agreements = selectors.agreement_list(user=request.user).filter(
        Q(vost_team=organisation) | Q(authority=organisation)
    )
    partners = (
        organisations_visible_to(request.user)
        .filter(managed_by=organisation)
        .order_by("name")
        if organisation.is_vost_team
        else Organisation.objects.none()
    )
    return render(
        request,
        "activations/partners/organisation_detail.html",
        {
            "organisation": organisation,
            "can_manage": can_manage,
            "contacts": organisation.contacts.all(),
            "members": organisation.members.select_related("user").order_by(
                "role", "user__last_name", "user__username"
            ),
            "agreements": agreements,
            "partners": partners,
            "contact_form": ContactForm(for_agreement=False, auto_id="new-contact-%s"),
            "member_form": OrganisationMemberForm(
                organisation=organisation, auto_id="new-member-%s"
            ),
            "can_create_agreement": organisation.kind != Organisation.Kind.VOST_TEAM
            and can_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(
    request: AuthenticatedHttpRequest, organisation_id: int
) -> HttpResponse:
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id, manage=True
    )
    name = organisation.name  # the form edits the instance in place
    form = OrganisationForm(
        request.POST or None,
        instance=organisation,
        user=request.user,
        teams=coordinated_teams(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                organisation=organisation, **form.service_fields()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("activations:organisation-detail", organisation.pk)
    return render(
        request,
        "activations/partners/organisation_form.html",
        {"form": form, "organisation": organisation, "heading": name},
    )


# --- organisation people and contacts -------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def organisation_contact_save(
    request: AuthenticatedHttpRequest,
    organisation_id: int,
    contact_id: int | None = None,
) -> HttpResponse:
    """Add (contact_id None) or edit a general contact of an organisation."""
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id, manage=True
    )
    contact = (
        get_object_or_404(organisation.contacts, pk=contact_id)
        if contact_id is not None
        else Contact(organisation=organisation, kind=Contact.Kind.GENERAL)
    )
    return contact_form_page(
        request,
        contact=contact,
        for_agreement=False,
        owner_name=organisation.name,
        success_url=reverse("activations:organisation-detail", args=[organisation.pk]),
        back_url=organisation_detail_url(organisation),
    )


@login_required
@require_POST
def organisation_contact_delete(
    request: AuthenticatedHttpRequest, organisation_id: int, contact_id: int
) -> HttpResponse:
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id, manage=True
    )
    contact = get_object_or_404(organisation.contacts, pk=contact_id)
    services.contact_delete(contact=contact)
    messages.success(request, _("The contact has been removed."))
    return redirect("activations:organisation-detail", organisation.pk)


@login_required
@require_POST
def organisation_member_add(
    request: AuthenticatedHttpRequest, organisation_id: int
) -> HttpResponse:
    """Add an existing user to the organisation, or change their role there."""
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id, manage=True
    )
    form = OrganisationMemberForm(request.POST, organisation=organisation)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(organisation_detail_url(organisation) + "#members")
    try:
        member = services.organisation_member_set(
            organisation=organisation,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            title=form.cleaned_data["title"],
            by=request.user,
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {
                "person": member.user.display_name,
                "role": member.get_role_display().lower(),
            },
        )
    return redirect(organisation_detail_url(organisation) + "#members")


@login_required
@require_POST
def organisation_member_remove(
    request: AuthenticatedHttpRequest, organisation_id: int
) -> HttpResponse:
    organisation = organisation_get_for_user(
        user=request.user, organisation_id=organisation_id, manage=True
    )
    form = MemberRemoveForm(request.POST)
    if not form.is_valid():
        raise Http404
    member = get_object_or_404(
        organisation.members.select_related("user"), user_id=form.cleaned_data["user"]
    )
    try:
        services.organisation_member_remove(
            organisation=organisation, user=member.user, by=request.user
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("%(person)s has been removed.") % {"person": member.user.display_name},
        )
    return redirect(organisation_detail_url(organisation) + "#members")


def organisation_detail_url(organisation: Organisation) -> str:
    return reverse("activations:organisation-detail", args=[organisation.pk])
