"""What every activations page shares: the activation header context, domain errors;
and what the roster and the volunteer's own pages share: whether an assignment may
check in or out, and the redirect back to the page an action was made from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from activations.forms.roster import DEFAULT_RANGE, ReturnForm
from activations.models import Activation, Contact, ShiftAssignment
from activations.permissions import Action, activation_allowed_actions
from activations.services._common import CHECK_IN_EARLY
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest


def activation_context(
    *, user: User, activation: Activation, tab: str
) -> dict[str, Any]:
    """Context for templates extending activations/_activation_base.html.

    ``can`` maps each action name (``can.manage``, ``can.view_log``…) to a bool, so
    templates only show what the person may do; the views check again on submit.
    """
    allowed = activation_allowed_actions(user=user, activation=activation)
    return {
        "activation": activation,
        "tab": tab,
        "can": {action.value: action in allowed for action in Action},
        "viewer_role": getattr(activation, "viewer_role", None),
    }


def report_domain_error(request: HttpRequest, error: DomainError) -> None:
    """Show a refused change as an error message (the page is rendered again as it was)."""
    messages.error(request, error.message)


# --- roster and my shifts ------------------------------------------------------------
def assignment_can_check_in(assignment: ShiftAssignment, now: dt.datetime) -> bool:
    """Whether its person may check in now: from CHECK_IN_EARLY before the start of
    the shift to its end, and not already checked in."""
    shift = assignment.shift
    return (
        assignment.checked_in_at is None
        and shift.starts_at - CHECK_IN_EARLY <= now <= shift.ends_at
    )


def assignment_can_check_out(assignment: ShiftAssignment) -> bool:
    """Whether its person is checked in and not yet out."""
    return assignment.checked_in_at is not None and assignment.checked_out_at is None


def redirect_back(
    request: AuthenticatedHttpRequest, activation: Activation, *, anchor: str = ""
) -> HttpResponse:
    """Redirect to where the action was made: my shifts, or the roster with its filter."""
    form = ReturnForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("return_to") == "my-shifts":
        return redirect(reverse("activations:my-shifts") + anchor)
    url = reverse("activations:roster", args=[activation.slug])
    if data.get("range") and data["range"] != DEFAULT_RANGE:
        url += "?" + urlencode({"range": data["range"]})
    return redirect(url + anchor)


def contact_form_page(
    request: AuthenticatedHttpRequest,
    *,
    contact: Contact,
    for_agreement: bool,
    owner_name: str,
    success_url: str,
    back_url: str,
) -> HttpResponse:
    """Add or edit one contact (of an organisation or an agreement's call list);
    the caller has already checked the right to manage its owner."""
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from activations import services
    from activations.forms.partners import ContactForm

    form = ContactForm(
        request.POST or None, instance=contact, for_agreement=for_agreement
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(contact=form.instance)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The contact has been saved."))
            return redirect(success_url)
    return render(
        request,
        "activations/partners/contact_form.html",
        {
            "form": form,
            "creating": contact.pk is None,
            "owner_name": owner_name,
            "back_url": back_url,
        },
    )
