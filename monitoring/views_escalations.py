"""Escalation pages: the activation's life-safety escalations with running timers
(polled every 5 s), one escalation with its item and timeline, and acknowledging it.

Reading needs VIEW_ESCALATIONS (liaisons included: they are the recipients; they
still see nothing of the queue), acknowledging ACKNOWLEDGE_ESCALATION (liaisons and
coordinators). Post texts are untrusted: always autoescaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from activations.models import ActivationMember
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context, report_domain_error
from audit import services as audit
from monitoring import escalations, permissions
from monitoring.models import Escalation
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest
from vost.pseudonyms import pseudonym

PAGE_SIZE = 50
POLL_SECONDS = 5
NOTE_MAX_LENGTH = 2000


class EscalationFilterForm(forms.Form):
    show = forms.ChoiceField(
        choices=[
            ("all", gettext_lazy("All")),
            ("open", gettext_lazy("Waiting for acknowledgement")),
        ],
        required=False,
    )

    def status(self) -> str:
        if self.is_valid() and self.cleaned_data["show"] == "open":
            return Escalation.Status.OPEN
        return ""


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        help_text=gettext_lazy("What you do with it, e.g. “Passed to the CODIS”."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@dataclass(frozen=True)
class EscalationRow:
    escalation: Escalation
    elapsed_seconds: int  # since raised, up to now or to the acknowledgement
    elapsed: str

    @property
    def is_open(self) -> bool:
        return self.escalation.status == Escalation.Status.OPEN


def _row(escalation: Escalation) -> EscalationRow:
    end = timezone.now()
    if escalation.status == Escalation.Status.ACKNOWLEDGED:
        end = escalation.acknowledged_at or end
    elif escalation.status == Escalation.Status.CANCELLED:
        end = escalation.cancelled_at or end
    seconds = max(int((end - escalation.created_at).total_seconds()), 0)
    return EscalationRow(escalation, seconds, escalations.duration_label(seconds))


@login_required
@require_GET
def escalation_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open escalations first, with a running timer, then the others newest first.

    The htmx poll (every 5 s) gets only the list fragment, so a new urgent item
    shows up without a reload.
    """
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_ESCALATIONS
    )
    filters = EscalationFilterForm(request.GET)
    status = filters.status()
    page = Paginator(
        escalations.escalation_list(activation=activation, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = activation_context(
        user=request.user, activation=activation, tab="escalations"
    )
    context |= {
        "rows": [_row(escalation) for escalation in page.object_list],
        "page": page,
        "show": "open" if status else "all",
        "query": request.GET.urlencode(),
        "filter_query": query.urlencode(),
        "poll_seconds": POLL_SECONDS,
        "open_escalations": escalations.escalation_open_count(activation=activation),
    }
    template = "monitoring/escalations.html"
    if request.htmx:
        template += "#escalation-list"
    response = render(request, template, context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _map_data(escalation: Escalation) -> dict[str, Any] | None:
    post = escalation.cluster.representative
    if post is None or post.location is None:
        return None
    return {
        "point": json.loads(post.location.geojson),
        "area": json.loads(escalation.activation.area.geojson),
    }


def _author_pseudonym(escalation: Escalation, role: str | None) -> str | None:
    """The pseudonym liaisons see instead of the author (None: show the author)."""
    post = escalation.cluster.representative
    if role != ActivationMember.Role.LIAISON or post is None:
        return None
    return pseudonym(
        post.author_handle, activation_id=post.activation_id, platform=post.platform
    )


@login_required
@require_GET
def escalation_detail(
    request: AuthenticatedHttpRequest, slug: str, escalation_id: int
) -> HttpResponse:
    """The item (escaped), who raised it and why, its timeline; the acknowledge form
    for those who may acknowledge while it is open."""
    escalation = permissions.escalation_get_for_user(
        user=request.user, slug=slug, escalation_id=escalation_id
    )
    activation = escalation.activation
    audit.record_request(
        request,
        action=audit.Action.PERSONAL_DATA_VIEW,
        activation=activation,
        obj=escalation,
        summary=f"escalation item={escalation.cluster_id}",
    )
    context = activation_context(
        user=request.user, activation=activation, tab="escalations"
    )
    can_acknowledge = (
        context["can"][Action.ACKNOWLEDGE_ESCALATION]
        and escalation.status == Escalation.Status.OPEN
    )
    context |= {
        "escalation": escalation,
        "row": _row(escalation),
        "post": escalation.cluster.representative,
        "cluster": escalation.cluster,
        # Liaisons see the author as a pseudonym (issue 9); the link to the
        # original stays: a life-safety item may need it (vital interests).
        "author_pseudonym": _author_pseudonym(escalation, context["viewer_role"]),
        "timeline": escalations.escalation_timeline(escalation=escalation),
        "ack_form": AcknowledgeForm() if can_acknowledge else None,
        "map_data": _map_data(escalation),
        "open_escalations": escalations.escalation_open_count(activation=activation),
    }
    return render(request, "monitoring/escalation_detail.html", context)


@login_required
@require_POST
def escalation_acknowledge(
    request: AuthenticatedHttpRequest, slug: str, escalation_id: int
) -> HttpResponse:
    """Acknowledge an open escalation (liaisons and coordinators); a second click or
    a colleague's earlier acknowledgement is refused with who and when."""
    escalation = permissions.escalation_get_for_user(
        user=request.user,
        slug=slug,
        escalation_id=escalation_id,
        action=Action.ACKNOWLEDGE_ESCALATION,
    )
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("The note is too long (%(max)s characters at most).")
            % {"max": NOTE_MAX_LENGTH},
        )
    else:
        try:
            escalations.escalation_acknowledge(
                escalation=escalation, by=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("You acknowledged this urgent item.")
                if escalation.raised_by_id == request.user.pk
                else _("You acknowledged this urgent item; %(name)s has been told.")
                % {"name": escalation.raised_by},
            )
    return redirect(
        "monitoring:escalation-detail",
        slug=escalation.activation.slug,
        escalation_id=escalation.pk,
    )
