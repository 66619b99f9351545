"""What every activations page shares: the activation header context, domain errors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from accounts.models import User
from activations.models import Activation
from activations.permissions import Action, activation_allowed_actions
from vost.exceptions import DomainError


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
