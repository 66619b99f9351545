"""The rumour register's pages: the list, recording one, and one rumour with its
linked posts and cases, reach over time, counter-message and relays.

Every page gets the activation and the rumour through
``verification.permissions_rumours`` with the action it needs. Actions are plain
POST forms redirecting back to the rumour; a refused one renders the rumour again
with the person's input kept and the reason shown (400, or 409 when someone else
changed the rumour first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation
from activations.permissions import (
    Action,
    activation_allowed_actions,
    activation_get_for_user,
)
from activations.views._common import activation_context
from verification import selectors_rumours as selectors
from verification.forms.rumours import (
    CounterDecisionForm,
    CounterMessageForm,
    RelayForm,
    RumourFilterForm,
    RumourForm,
    RumourLinkForm,
    RumourStatusForm,
    RumourUnlinkForm,
    VersionForm,
)
from verification.models import Case, Rumour
from verification.permissions_rumours import rumour_get_for_user
from verification.services import rumours as services
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

TAB = "rumours"
# Beyond this many hours of posts, the chart shows days.
HOURLY_SPAN = dt.timedelta(hours=72)
# Where each form of the rumour page lives (a refused one links back to it).
ANCHORS = {
    "status_form": "status",
    "link_form": "linked",
    "counter_form": "counter-message",
    "version_form": "counter-message",
    "decision_form": "counter-message",
    "relay_form": "relays",
}


# --- reach chart (server-rendered SVG) ---------------------------------------------------
@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the bucket, as read in the activation's time zone
    posts: int
    accounts: int
    followers: int


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class ReachChart:
    bars: list[Bar]
    ticks: list[Tick]
    max_posts: int
    bucket: str
    width: int = 640
    height: int = 180
    top: int = 12
    bottom: int = 150  # baseline of the bars; tick labels below
    left: int = 36  # gutter for the post counts

    @property
    def total_posts(self) -> int:
        return sum(bar.posts for bar in self.bars)


def _bucket_step(bucket: str) -> dt.timedelta:
    return dt.timedelta(days=1) if bucket == "day" else dt.timedelta(hours=1)


def reach_chart(*, rumour: Rumour, activation: Activation) -> ReachChart | None:
    """Posts per hour (per day past 72 hours) as bars, empty buckets included."""
    points = selectors.rumour_reach(rumour=rumour, bucket="hour")
    if not points:
        return None
    bucket = "hour"
    if points[-1].time - points[0].time > HOURLY_SPAN:
        bucket = "day"
        points = selectors.rumour_reach(rumour=rumour, bucket="day")
    step = _bucket_step(bucket)
    tz = activation.tz
    by_time = {timezone.localtime(p.time, tz): p for p in points}
    start = min(by_time)
    end = max(by_time)
    slots: list[dt.datetime] = []
    moment = start
    while moment <= end and len(slots) < 400:
        slots.append(moment)
        # step in local wall time, then normalise (DST days have 23 or 25 hours)
        moment = timezone.localtime(
            (moment.replace(tzinfo=None) + step).replace(tzinfo=tz), tz
        )
    # a bucket a DST change moved off the grid is still shown
    slots = sorted(set(slots) | set(by_time))
    chart = ReachChart(bars=[], ticks=[], max_posts=1, bucket=bucket)
    max_posts = max(p.posts for p in points) or 1
    plot = chart.bottom - chart.top
    slot_width = (chart.width - chart.left) / max(len(slots), 1)
    gap = min(2.0, slot_width * 0.2)
    fmt = "SHORT_DATE_FORMAT" if bucket == "day" else "SHORT_DATETIME_FORMAT"
    bars = []
    for index, slot in enumerate(slots):
        point = by_time.get(slot)
        posts = point.posts if point else 0
        height = plot * posts / max_posts
        bars.append(
            Bar(
                x=round(chart.left + index * slot_width + gap / 2, 2),
                y=round(chart.bottom - height, 2),
                width=round(max(slot_width - gap, 1.0), 2),
                height=round(height, 2),
                label=formats.date_format(slot, fmt),
                posts=posts,
                accounts=point.accounts if point else 0,
                followers=point.followers if point else 0,
            )
        )
    tick_every = max(1, len(slots) // 4)
    ticks = [
        Tick(
            x=round(chart.left + index * slot_width + slot_width / 2, 2),
            text=formats.date_format(slot, "H:i" if bucket == "hour" else "d/m"),
        )
        for index, slot in enumerate(slots)
        if index % tick_every == 0
    ]
    return ReachChart(bars=bars, ticks=ticks, max_posts=max_posts, bucket=bucket)


# --- the list ----------------------------------------------------------------------------
@login_required
@require_GET
def rumour_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The register: rumours with their status, first seen, items, platforms and
    counter-message step; counts per status; filter by status."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_RUMOURS
    )
    filters = RumourFilterForm(request.GET)
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    status = filters.status_value()
    rumours = list(selectors.rumour_list(activation=activation, status=status))
    for rumour in rumours:
        rumour.platform_labels = [  # type: ignore[attr-defined]
            selectors.platform_label(p)
            for p in sorted(rumour.platforms)  # type: ignore[attr-defined]
        ]
    counts = selectors.rumour_status_counts(activation=activation)
    context |= {
        "filters": filters,
        "rumours": rumours,
        "status": status or "",
        "status_tabs": [
            (value, label, counts[value]) for value, label in Rumour.Status.choices
        ],
        "total": sum(counts.values()),
    }
    return render(request, "verification/rumour_list.html", context)


# --- recording -----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def rumour_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Record a rumour; ``?items=12`` prefills the linked queue items (from triage)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_RUMOURS
    )
    if request.method == "POST":
        form = RumourForm(request.POST, tz=activation.tz)
        if form.is_valid():
            found = selectors.items_resolve(
                activation=activation, references=form.references()
            )
            for problem in found.problems:
                form.add_error("items", problem)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rumour = services.rumour_create(
                    activation=activation,
                    by=request.user,
                    claim=data["claim"],
                    first_seen_at=data["first_seen_at"],
                    cluster_ids=found.cluster_ids,
                    notes=data["notes"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Rumour R%(number)s recorded.") % {"number": rumour.number},
                )
                return redirect(
                    "verification:rumour-detail",
                    slug=activation.slug,
                    number=rumour.number,
                )
        status = 400
    else:
        form = RumourForm(
            initial={"items": request.GET.get("items", "")[:200]}, tz=activation.tz
        )
        status = 200
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context["form"] = form
    return render(request, "verification/rumour_form.html", context, status=status)


# --- one rumour --------------------------------------------------------------------------------
def _detail_context(
    request: AuthenticatedHttpRequest,
    rumour: Rumour,
    bound: dict[str, forms.Form] | None = None,
) -> dict[str, Any]:
    """Everything the rumour page shows to this person; `bound` replaces a blank
    form by the one the person just sent (kept with its errors)."""
    activation = rumour.activation
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    can = context["can"]
    reveal = bool(can[Action.VIEW_POSTS])
    version = {"version": rumour.version}
    tz = activation.tz
    forms_: dict[str, forms.Form | None] = {
        "status_form": None,
        "link_form": None,
        "counter_form": None,
        "version_form": None,
        "decision_form": None,
        "relay_form": None,
    }
    if can[Action.MANAGE_RUMOURS]:
        cases: Any = (
            selectors.rumour_case_choices(rumour=rumour)
            if can[Action.VIEW_CASES]
            else ()
        )
        forms_ |= {
            "status_form": RumourStatusForm(
                initial=version | {"status": rumour.status}
            ),
            "link_form": RumourLinkForm(cases=list(cases)),
            "counter_form": CounterMessageForm(
                initial=version | {"text": rumour.counter_message}
            ),
            "version_form": VersionForm(initial=version),
            "relay_form": RelayForm(tz=tz),
        }
    if can[Action.APPROVE_COUNTER_MESSAGE]:
        forms_["decision_form"] = CounterDecisionForm(initial=version)
    forms_ |= bound or {}
    context |= forms_
    context |= {
        "rumour": rumour,
        "reveal_authors": reveal,
        "items": selectors.rumour_items(rumour=rumour, reveal_authors=reveal),
        "cases": list(selectors.rumour_cases(rumour=rumour))
        if can[Action.VIEW_CASES]
        else [],
        "chart": reach_chart(rumour=rumour, activation=activation),
        "platforms": selectors.rumour_platforms(rumour=rumour),
        "events": selectors.rumour_events(rumour=rumour, liaison_view=not reveal),
        "relays": list(selectors.rumour_relays(rumour=rumour)),
        "Counter": Rumour.CounterStatus,
    }
    return context


def _rumour(
    request: AuthenticatedHttpRequest, slug: str, number: int, action: Action
) -> Rumour:
    return rumour_get_for_user(
        user=request.user, slug=slug, number=number, action=action
    )


def _back(rumour: Rumour, anchor: str = "") -> HttpResponse:
    url = reverse(
        "verification:rumour-detail", args=[rumour.activation.slug, rumour.number]
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _refused(
    request: AuthenticatedHttpRequest,
    rumour: Rumour,
    *,
    name: str,
    form: forms.Form,
    error: DomainError | None = None,
) -> HttpResponse:
    """The rumour page again, with `form` as sent and the reason it was refused."""
    if error is not None:
        form.add_error(None, error.message)
    fresh = rumour_get_for_user(
        user=request.user,
        slug=rumour.activation.slug,
        number=rumour.number,
        action=Action.VIEW_RUMOURS,
    )
    status = 409 if isinstance(error, ConflictError) else 400
    problems = [
        str(message) for messages_ in form.errors.values() for message in messages_
    ]
    refused = {"anchor": ANCHORS[name], "problems": problems}
    return render(
        request,
        "verification/rumour_detail.html",
        _detail_context(request, fresh, {name: form}) | {"refused": refused},
        status=status,
    )


@login_required
@require_GET
def rumour_detail(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.VIEW_RUMOURS)
    return render(
        request, "verification/rumour_detail.html", _detail_context(request, rumour)
    )


@login_required
@require_POST
def rumour_status(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = RumourStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, rumour, name="status_form", form=form)
    try:
        rumour = services.rumour_set_status(
            rumour=rumour,
            by=request.user,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return _refused(request, rumour, name="status_form", form=form, error=exc)
    messages.success(
        request,
        _("Status set to “%(status)s”.") % {"status": rumour.get_status_display()},
    )
    return _back(rumour, "status")


@login_required
@require_POST
def rumour_link(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """Link queue items (by number or post link) and/or a case of the activation."""
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    allowed = activation_allowed_actions(
        user=request.user, activation=rumour.activation
    )
    can_cases = Action.VIEW_CASES in allowed
    cases = list(selectors.rumour_case_choices(rumour=rumour)) if can_cases else []
    form = RumourLinkForm(request.POST, cases=cases)
    if not form.is_valid():
        return _refused(request, rumour, name="link_form", form=form)
    found = selectors.items_resolve(
        activation=rumour.activation, references=form.references()
    )
    if found.problems:
        for problem in found.problems:
            form.add_error("items", problem)
        return _refused(request, rumour, name="link_form", form=form)
    case_number = form.cleaned_data.get("case")
    try:
        with transaction.atomic():  # items and case together, or nothing
            if found.cluster_ids:
                rumour = services.rumour_link_items(
                    rumour=rumour, by=request.user, cluster_ids=found.cluster_ids
                )
            if case_number is not None:
                case = Case.objects.filter(
                    activation=rumour.activation, number=case_number
                ).first()
                if case is None:
                    raise DomainError(_("This case is not part of this activation."))
                rumour = services.rumour_link_case(
                    rumour=rumour, by=request.user, case=case
                )
    except DomainError as exc:
        return _refused(request, rumour, name="link_form", form=form, error=exc)
    linked = len(found.cluster_ids) + (case_number is not None)
    messages.success(
        request,
        ngettext("%(n)s link added.", "%(n)s links added.", linked) % {"n": linked},
    )
    return _back(rumour, "linked")


@login_required
@require_POST
def rumour_unlink(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = RumourUnlinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say which item or case to unlink."))
        return _back(rumour, "linked")
    try:
        cluster_id = form.cleaned_data["cluster_id"]
        if cluster_id is not None:
            services.rumour_unlink_item(
                rumour=rumour, by=request.user, cluster_id=cluster_id
            )
            messages.success(
                request, _("Queue item #%(id)s unlinked.") % {"id": cluster_id}
            )
        else:
            case = Case.objects.filter(
                activation=rumour.activation, number=form.cleaned_data["case_number"]
            ).first()
            if case is None:
                raise DomainError(_("This case is not part of this activation."))
            services.rumour_unlink_case(rumour=rumour, by=request.user, case=case)
            messages.success(
                request, _("Case #%(number)s unlinked.") % {"number": case.number}
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(rumour, "linked")


# --- counter-message ---------------------------------------------------------------------------
@login_required
@require_POST
def rumour_counter_save(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = CounterMessageForm(request.POST)
    if not form.is_valid():
        return _refused(request, rumour, name="counter_form", form=form)
    try:
        services.counter_message_save(
            rumour=rumour,
            by=request.user,
            text=form.cleaned_data["text"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        if isinstance(exc, ConflictError) and exc.code == "conflict":
            # Keep what the person wrote, against the version now current: saving
            # again is a deliberate choice after reading the other change.
            data = request.POST.copy()
            data["version"] = str(Rumour.objects.get(pk=rumour.pk).version)
            form = CounterMessageForm(data)
            form.is_valid()
        return _refused(request, rumour, name="counter_form", form=form, error=exc)
    messages.success(request, _("Counter-message draft saved."))
    return _back(rumour, "counter-message")


@login_required
@require_POST
def rumour_counter_submit(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, rumour, name="version_form", form=form)
    try:
        services.counter_message_submit(
            rumour=rumour, by=request.user, version=form.cleaned_data["version"]
        )
    except DomainError as exc:
        return _refused(request, rumour, name="version_form", form=form, error=exc)
    messages.success(
        request,
        _("Counter-message submitted: the authority's liaison has been notified."),
    )
    return _back(rumour, "counter-message")


@login_required
@require_POST
def rumour_counter_withdraw(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, rumour, name="version_form", form=form)
    try:
        services.counter_message_withdraw(
            rumour=rumour, by=request.user, version=form.cleaned_data["version"]
        )
    except DomainError as exc:
        return _refused(request, rumour, name="version_form", form=form, error=exc)
    messages.success(request, _("Counter-message withdrawn: it is a draft again."))
    return _back(rumour, "counter-message")


@login_required
@require_POST
def rumour_counter_decide(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """The authority's liaison approves or rejects the submitted counter-message."""
    rumour = _rumour(request, slug, number, Action.APPROVE_COUNTER_MESSAGE)
    form = CounterDecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, rumour, name="decision_form", form=form)
    try:
        rumour = services.counter_message_decide(
            rumour=rumour,
            by=request.user,
            approve=form.approve,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _refused(request, rumour, name="decision_form", form=form, error=exc)
    messages.success(
        request,
        _("Counter-message approved: the team has been told.")
        if form.approve
        else _("Counter-message rejected: the team has been told."),
    )
    return _back(rumour, "counter-message")


@login_required
@require_POST
def rumour_relay_add(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    rumour = _rumour(request, slug, number, Action.MANAGE_RUMOURS)
    form = RelayForm(request.POST, tz=rumour.activation.tz)
    if not form.is_valid():
        return _refused(request, rumour, name="relay_form", form=form)
    data = form.cleaned_data
    try:
        services.relay_record(
            rumour=rumour,
            by=request.user,
            channel=data["channel"],
            link=data["link"],
            relayed_at=data["relayed_at"],
            note=data["note"],
        )
    except DomainError as exc:
        return _refused(request, rumour, name="relay_form", form=form, error=exc)
    messages.success(request, _("Relay recorded."))
    return _back(rumour, "relays")
