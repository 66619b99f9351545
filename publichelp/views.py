"""Help to the population pages: the mutual-aid board (needs and offers side by side
with suggested matches), one entry, the reply templates ready to copy, and their
management.

Every page gets the activation through ``activation_get_for_user`` with the action
it needs: VIEW_PUBLIC_HELP to read (liaisons have none), MANAGE_PUBLIC_HELP to
record, match and change entries, MANAGE_REPLY_TEMPLATES to edit templates. Refused
input renders the page again (400, 409 for a double submission) with the reason,
and changes nothing. Descriptions are untrusted text (auto-escaped).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from publichelp import selectors, services
from publichelp.forms import (
    AidEntryForm,
    AidFilterForm,
    AidMatchForm,
    AidStatusForm,
    MatchDistanceForm,
    ReplyFilterForm,
    ReplyTemplateForm,
    ReplyValuesForm,
)
from publichelp.models import AidEntry, ReplyTemplate
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "publichelp"
BOARD_LIMIT = 100  # entries per column
SUGGESTIONS = 3  # per open entry on the board


def _activation(
    request: AuthenticatedHttpRequest, slug: str, action: Action
) -> Activation:
    return activation_get_for_user(user=request.user, slug=slug, action=action)


def _entry(activation: Activation, entry_id: int) -> AidEntry:
    entry = selectors.aid_entry_get(activation=activation, entry_id=entry_id)
    if entry is None:
        raise Http404
    return entry


def _log_invalid(what: str, activation: Activation, errors: Any) -> None:
    logger.warning("%s refused in %s: %s", what, activation.slug, errors)


# --- the board -------------------------------------------------------------------------
@login_required
@require_GET
def home(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Needs and offers side by side, with the nearest matches of each open entry."""
    activation = _activation(request, slug, Action.VIEW_PUBLIC_HELP)
    filters = AidFilterForm(request.GET)
    values = filters.values()
    entries = list(
        selectors.aid_entry_list(activation=activation, **values)[: 2 * BOARD_LIMIT]
    )
    needs = [e for e in entries if e.kind == AidEntry.Kind.NEED][:BOARD_LIMIT]
    offers = [e for e in entries if e.kind == AidEntry.Kind.OFFER][:BOARD_LIMIT]
    open_needs = [e for e in needs if e.status == AidEntry.Status.OPEN]
    suggestions = selectors.aid_match_suggestions(
        entries=open_needs, per_entry=SUGGESTIONS
    )
    for need in needs:
        need.suggestions = suggestions.get(need.pk, [])  # type: ignore[attr-defined]
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "filters": filters,
        "needs": needs,
        "offers": offers,
        "show_needs": values["kind"] in (None, AidEntry.Kind.NEED),
        "show_offers": values["kind"] in (None, AidEntry.Kind.OFFER),
        "default_km": selectors.DEFAULT_MATCH_DISTANCE_M // 1000,
    }
    return render(request, "publichelp/board.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Record a need or an offer; ``?post=<id>`` prefills from a post of the activation."""
    activation = _activation(request, slug, Action.MANAGE_PUBLIC_HELP)
    status = 200
    post = None
    if request.method == "POST":
        form = AidEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("post"):
                post = selectors.post_for_entry(
                    activation=activation, post_id=data["post"]
                )
                if post is None:
                    form.add_error(None, _("This post is not in this activation."))
            if not form.errors:
                try:
                    entry = services.aid_entry_create(
                        activation=activation,
                        by=request.user,
                        kind=data["kind"],
                        category=data["category"],
                        description=data["description"],
                        location=form.point(),
                        radius_m=data.get("radius_m"),
                        place_name=data.get("place_name") or "",
                        source_post=post,
                    )
                except DomainError as exc:
                    form.add_error(
                        "place_name"
                        if exc.code in {"unknown_place", "missing_area"}
                        else None,
                        exc.message,
                    )
                else:
                    messages.success(
                        request, _("%(entry)s recorded.") % {"entry": str(entry)}
                    )
                    return redirect(
                        "publichelp:entry-detail", slug=slug, entry_id=entry.pk
                    )
        _log_invalid("aid entry", activation, form.errors.get_json_data())
        status = 400
    else:
        initial: dict[str, Any] = {
            "kind": request.GET.get("kind") or AidEntry.Kind.NEED
        }
        post_id = request.GET.get("post", "")
        if post_id:
            found = (
                selectors.post_for_entry(activation=activation, post_id=int(post_id))
                if post_id.isdigit()
                else None
            )
            if found is None:
                raise Http404
            post = found
            initial |= selectors.entry_initial_from_post(found)
        form = AidEntryForm(initial=initial)
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {"form": form, "post": post}
    return render(request, "publichelp/entry_form.html", context, status=status)


def _detail(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    entry: AidEntry,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    distance = MatchDistanceForm(request.GET)
    meters = distance.meters()
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "entry": entry,
        "matches": selectors.aid_matches(entry=entry, max_distance_m=meters),
        "distance_form": distance,
        "km": meters // 1000,
        "next_statuses": [
            (value, AidEntry.Status(value).label)
            for value in AidEntry.Status.values
            if value in services.TRANSITIONS.get(entry.status, frozenset())
        ],
        "error": error,
    }
    return render(request, "publichelp/entry_detail.html", context, status=status)


@login_required
@require_GET
def entry_detail(
    request: AuthenticatedHttpRequest, slug: str, entry_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.VIEW_PUBLIC_HELP)
    return _detail(request, activation, _entry(activation, entry_id))


def _refused(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    entry_id: int,
    message: str,
    code: int,
) -> HttpResponse:
    return _detail(
        request, activation, _entry(activation, entry_id), status=code, error=message
    )


@login_required
@require_POST
def entry_match(
    request: AuthenticatedHttpRequest, slug: str, entry_id: int
) -> HttpResponse:
    """Match the entry with another (`other`); back to the board or the entry."""
    activation = _activation(request, slug, Action.MANAGE_PUBLIC_HELP)
    _entry(activation, entry_id)
    form = AidMatchForm(request.POST)
    if not form.is_valid():
        _log_invalid("aid match", activation, form.errors.get_json_data())
        return _refused(
            request, activation, entry_id, _("Choose an entry to match."), 400
        )
    try:
        services.aid_entry_match(
            activation=activation,
            by=request.user,
            entry_id=entry_id,
            other_id=form.cleaned_data["other"],
            version=form.cleaned_data.get("version"),
        )
    except DomainError as exc:
        return _refused(request, activation, entry_id, exc.message, exc.status_code)
    messages.success(
        request, _("Matched. Follow it up and mark it fulfilled when done.")
    )
    return redirect("publichelp:entry-detail", slug=slug, entry_id=entry_id)


@login_required
@require_POST
def entry_status(
    request: AuthenticatedHttpRequest, slug: str, entry_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_PUBLIC_HELP)
    _entry(activation, entry_id)
    form = AidStatusForm(request.POST)
    if not form.is_valid():
        _log_invalid("aid status", activation, form.errors.get_json_data())
        return _refused(request, activation, entry_id, _("Choose a valid status."), 400)
    try:
        entry = services.aid_entry_update_status(
            activation=activation,
            by=request.user,
            entry_id=entry_id,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        return _refused(request, activation, entry_id, exc.message, exc.status_code)
    messages.success(
        request,
        _("The entry is now %(status)s.")
        % {"status": entry.get_status_display().lower()},
    )
    return redirect("publichelp:entry-detail", slug=slug, entry_id=entry_id)


# --- reply templates -------------------------------------------------------------------
@login_required
@require_GET
def replies(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The activation's reply templates, filled with its values, ready to copy."""
    activation = _activation(request, slug, Action.VIEW_PUBLIC_HELP)
    filters = ReplyFilterForm(request.GET)
    wanted = filters.values()
    templates = selectors.reply_templates_for(
        activation=activation,
        situation=wanted["situation"],
        language=wanted["language"],
    )
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "filters": filters,
        "templates": selectors.reply_filled(activation=activation, templates=templates),
        "missing": selectors.reply_missing_values(activation=activation),
    }
    return render(request, "publichelp/replies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def replies_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Every template the activation uses (inactive ones too) and its values (POST)."""
    activation = _activation(request, slug, Action.MANAGE_REPLY_TEMPLATES)
    status = 200
    current = selectors.reply_values_get(activation=activation)
    if request.method == "POST":
        form = ReplyValuesForm(request.POST)
        if form.is_valid():
            try:
                services.reply_values_save(
                    activation=activation, by=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Reply values saved."))
                return redirect("publichelp:replies-manage", slug=slug)
        _log_invalid("reply values", activation, form.errors.get_json_data())
        status = 400
    else:
        form = ReplyValuesForm(
            initial={
                "official_url": current.official_url,
                "emergency_number": current.emergency_number,
                "shelter": current.shelter,
                "authority": current.authority,
            }
        )
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "values_form": form,
        "templates": selectors.reply_templates_for(
            activation=activation, include_inactive=True
        ),
    }
    return render(request, "publichelp/replies_manage.html", context, status=status)


def _template_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    template: ReplyTemplate | None,
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ReplyTemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.reply_template_save(
                    activation=activation,
                    by=request.user,
                    template=template,
                    situation=data["situation"],
                    language=data["language"],
                    title=data["title"],
                    body=data["body"],
                    resource_urls=data["resource_urls"],
                    is_active=data["is_active"],
                    version=data.get("version"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request, _("Template “%(title)s” saved.") % {"title": saved.title}
                )
                return redirect("publichelp:replies-manage", slug=activation.slug)
        _log_invalid("reply template", activation, form.errors.get_json_data())
        status = 400 if status == 200 else status
    elif template is not None:
        form = ReplyTemplateForm(
            initial={
                "situation": template.situation,
                "language": template.language,
                "title": template.title,
                "body": template.body,
                "resource_urls": "\n".join(template.resource_urls),
                "is_active": template.is_active,
                "version": template.version,
            }
        )
    else:
        form = ReplyTemplateForm(initial={"is_active": True})
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {"form": form, "template": template}
    return render(request, "publichelp/reply_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reply_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_REPLY_TEMPLATES)
    return _template_page(request, activation, None)


def _template(activation: Activation, template_id: int) -> ReplyTemplate:
    template = selectors.reply_template_get(
        activation=activation, template_id=template_id
    )
    if template is None:
        raise Http404
    return template


@login_required
@require_http_methods(["GET", "POST"])
def reply_edit(
    request: AuthenticatedHttpRequest, slug: str, template_id: int
) -> HttpResponse:
    """Edit one of the activation's templates (a library one is customised first)."""
    activation = _activation(request, slug, Action.MANAGE_REPLY_TEMPLATES)
    template = _template(activation, template_id)
    if template.is_library:
        raise Http404  # edited through its override (reply_customise)
    return _template_page(request, activation, template)


@login_required
@require_POST
def reply_customise(
    request: AuthenticatedHttpRequest, slug: str, template_id: int
) -> HttpResponse:
    """Make (or find) the activation's override of a library template, then edit it."""
    activation = _activation(request, slug, Action.MANAGE_REPLY_TEMPLATES)
    template = _template(activation, template_id)
    own = services.reply_template_customise(
        activation=activation, by=request.user, template=template
    )
    return redirect("publichelp:reply-edit", slug=slug, template_id=own.pk)


@login_required
@require_POST
def reply_active(
    request: AuthenticatedHttpRequest, slug: str, template_id: int
) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) a template here."""
    activation = _activation(request, slug, Action.MANAGE_REPLY_TEMPLATES)
    template = _template(activation, template_id)
    value = request.POST.get("active")
    if value not in {"0", "1"}:
        logger.warning("reply template %s: bad active flag %r", template_id, value)
        return HttpResponseBadRequest(_("Choose whether to activate or deactivate it."))
    own = services.reply_template_set_active(
        activation=activation, by=request.user, template=template, active=value == "1"
    )
    messages.success(
        request,
        (
            _("Template “%(title)s” reactivated.")
            if own.is_active
            else _("Template “%(title)s” deactivated.")
        )
        % {"title": own.title},
    )
    return redirect("publichelp:replies-manage", slug=slug)
