"""Agreement pages: the partnership agreements between a VOST team and an authority,
their liaison and escalation contacts, their status (activate, suspend, resume,
terminate) and the signed PDF.

Access goes through activations.permissions only: agreements the user may not see
are 404, those they may see but not manage are 403. The organisations themselves
are in activations/views/organisations.py.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations import selectors, services
from activations.forms.partners import (
    AgreementFilterForm,
    AgreementForm,
    AgreementStatusForm,
    ContactForm,
)
from activations.models import Agreement, Contact, Mission, Organisation
from activations.permissions import (
    agreement_can_manage,
    agreement_get_for_user,
    coordinated_teams,
    organisations_visible_to,
)
from activations.views._common import contact_form_page, report_domain_error
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

EXPIRY_WARNING_DAYS = 60


# --- agreements ---------------------------------------------------------------------
@login_required
@require_GET
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Agreements of the teams the user coordinates or of their authority; ending soonest first."""
    form = AgreementFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else None
    today = timezone.localdate()
    agreements = (
        selectors.agreement_list(user=request.user, status=status or None)
        # those still running first, ending soonest first; then the ended ones, latest first
        .annotate(
            ended=Case(
                When(valid_until__lt=today, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by(
            "ended",
            Case(When(ended=0, then=F("valid_until"))).asc(),
            F("valid_until").desc(),
            "reference",
        )
    )
    return render(
        request,
        "activations/partners/agreement_list.html",
        {
            "form": form,
            "filtered": bool(status),
            "agreements": agreements,
            "warning_days": EXPIRY_WARNING_DAYS,
            "can_create": coordinated_teams(request.user).exists(),
        },
    )


def _agreement_form(request: AuthenticatedHttpRequest, **kwargs: Any) -> AgreementForm:
    authorities = (
        organisations_visible_to(request.user)
        .exclude(kind=Organisation.Kind.VOST_TEAM)
        .order_by("name")
    )
    return AgreementForm(
        request.POST or None,
        request.FILES or None,
        teams=coordinated_teams(request.user).order_by("name"),
        authorities=authorities,
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not coordinated_teams(request.user).exists():
        raise PermissionDenied
    form = _agreement_form(
        request,
        initial={
            "authority": request.GET.get("authority"),
            "valid_from": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_save(
                agreement=None,
                document=form.cleaned_data.get("document"),
                **form.service_fields(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Agreement %(ref)s has been saved as a draft: activate it once signed."
                )
                % {"ref": agreement.reference},
            )
            return redirect("activations:agreement-detail", agreement.pk)
    return render(
        request,
        "activations/partners/agreement_form.html",
        {"form": form, "agreement": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(
    request: AuthenticatedHttpRequest, agreement_id: int
) -> HttpResponse:
    agreement = agreement_get_for_user(
        user=request.user, agreement_id=agreement_id, manage=True
    )
    heading = agreement.reference  # the form edits the instance in place
    form = _agreement_form(request, instance=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_save(
                agreement=agreement,
                document=form.cleaned_data.get("document"),
                **form.service_fields(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("activations:agreement-detail", agreement.pk)
    return render(
        request,
        "activations/partners/agreement_form.html",
        {"form": form, "agreement": agreement, "heading": heading},
    )


STATUS_ACTIONS = {
    # target status -> button class; labels depend on the current status
    Agreement.Status.ACTIVE: "btn-primary",
    Agreement.Status.SUSPENDED: "",
    Agreement.Status.TERMINATED: "btn-danger",
}


def _status_actions(agreement: Agreement) -> list[dict[str, str]]:
    """The buttons the manager may press, in a stable order."""
    allowed = services.AGREEMENT_TRANSITIONS.get(agreement.status, frozenset())
    labels = {
        Agreement.Status.ACTIVE: (
            _("Resume")
            if agreement.status == Agreement.Status.SUSPENDED
            else _("Activate")
        ),
        Agreement.Status.SUSPENDED: _("Suspend"),
        Agreement.Status.TERMINATED: _("Terminate"),
    }
    return [
        {"status": status, "label": labels[status], "css": css}
        for status, css in STATUS_ACTIONS.items()
        if status in allowed
    ]


@login_required
@require_GET
def agreement_detail(
    request: AuthenticatedHttpRequest, agreement_id: int
) -> HttpResponse:
    agreement = agreement_get_for_user(user=request.user, agreement_id=agreement_id)
    can_manage = agreement_can_manage(request.user, agreement)
    contacts = list(agreement.contacts.all())
    effective = agreement.effective_status()
    days_left = agreement.days_left
    expiry_warning = effective == Agreement.Status.EXPIRED or (
        effective in {Agreement.Status.ACTIVE, Agreement.Status.SUSPENDED}
        and days_left < EXPIRY_WARNING_DAYS
    )
    return render(
        request,
        "activations/partners/agreement_detail.html",
        {
            "agreement": agreement,
            "effective_status": effective,
            "days_left": days_left,
            "expiry_warning": expiry_warning,
            "can_manage": can_manage,
            "missions": [Mission(m).label for m in agreement.missions],
            "territory": (
                json.loads(agreement.territory.geojson)
                if agreement.territory is not None
                else None
            ),
            "liaisons": [c for c in contacts if c.kind == Contact.Kind.LIAISON],
            "escalation": [c for c in contacts if c.kind == Contact.Kind.ESCALATION],
            "activations": selectors.activation_list(user=request.user).filter(
                agreement=agreement
            ),
            "status_actions": _status_actions(agreement) if can_manage else [],
            "contact_form": ContactForm(for_agreement=True, auto_id="new-contact-%s"),
        },
    )


@login_required
@require_POST
def agreement_status(
    request: AuthenticatedHttpRequest, agreement_id: int
) -> HttpResponse:
    """Activate, suspend, resume or terminate; a refused transition changes nothing."""
    agreement = agreement_get_for_user(
        user=request.user, agreement_id=agreement_id, manage=True
    )
    form = AgreementStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("activations:agreement-detail", agreement.pk)
    previous = agreement.status
    try:
        agreement = services.agreement_set_status(
            agreement=agreement, status=form.cleaned_data["status"], by=request.user
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _status_message(previous, agreement))
    return redirect("activations:agreement-detail", agreement.pk)


def _status_message(previous: str, agreement: Agreement) -> str:
    ref = agreement.reference
    if agreement.status == Agreement.Status.ACTIVE:
        if previous == Agreement.Status.SUSPENDED:
            return _("Agreement %(ref)s has been resumed.") % {"ref": ref}
        return _("Agreement %(ref)s is now active.") % {"ref": ref}
    if agreement.status == Agreement.Status.SUSPENDED:
        return _("Agreement %(ref)s has been suspended.") % {"ref": ref}
    return _("Agreement %(ref)s has been terminated.") % {"ref": ref}


@login_required
@never_cache
@require_GET
def agreement_document(
    request: AuthenticatedHttpRequest, agreement_id: int
) -> FileResponse:
    """The signed PDF, to those who may read the agreement; always as a download."""
    agreement = agreement_get_for_user(user=request.user, agreement_id=agreement_id)
    if not agreement.signed_document:
        raise Http404
    try:
        handle = agreement.signed_document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{slugify(agreement.reference) or 'agreement'}.pdf",
        content_type="application/pdf",
    )


# --- agreement contacts --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def agreement_contact_save(
    request: AuthenticatedHttpRequest,
    agreement_id: int,
    contact_id: int | None = None,
) -> HttpResponse:
    """Add (contact_id None) or edit a liaison or escalation contact of an agreement."""
    agreement = agreement_get_for_user(
        user=request.user, agreement_id=agreement_id, manage=True
    )
    contact = (
        get_object_or_404(agreement.contacts, pk=contact_id)
        if contact_id is not None
        else Contact(agreement=agreement, kind=Contact.Kind.ESCALATION)
    )
    return contact_form_page(
        request,
        contact=contact,
        for_agreement=True,
        owner_name=agreement.reference,
        success_url=agreement_detail_url(agreement) + "#contacts",
        back_url=agreement_detail_url(agreement),
    )


@login_required
@require_POST
def agreement_contact_delete(
    request: AuthenticatedHttpRequest, agreement_id: int, contact_id: int
) -> HttpResponse:
    agreement = agreement_get_for_user(
        user=request.user, agreement_id=agreement_id, manage=True
    )
    contact = get_object_or_404(agreement.contacts, pk=contact_id)
    services.contact_delete(contact=contact)
    messages.success(request, _("The contact has been removed."))
    return redirect(agreement_detail_url(agreement) + "#contacts")


def agreement_detail_url(agreement: Agreement) -> str:
    return reverse("activations:agreement-detail", args=[agreement.pk])
