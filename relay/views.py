"""Pages of the relay: official messages with their posts per channel, drafts,
the authority's approval, publishing, the outbox and the channel settings.

Every page gets the activation through ``activation_get_for_user`` with the
action it needs. Actions are POST forms redirecting back; a refused one renders
the message page again with the reason (400, or 409 when it was already done).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from relay import drafting, selectors, services
from relay.forms import DraftForm, LinkForm, OfficialMessageForm, RelaySettingsForm
from relay.models import CHANNEL_LIMITS, OfficialMessage, RelayTask
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

TAB = "relay"


def _activation(
    request: AuthenticatedHttpRequest, slug: str, action: Action
) -> Activation:
    return activation_get_for_user(user=request.user, slug=slug, action=action)


def _context(
    request: AuthenticatedHttpRequest, activation: Activation, **extra: Any
) -> dict[str, Any]:
    return activation_context(user=request.user, activation=activation, tab=TAB) | {
        "channels": selectors.channel_states(activation=activation),
        "needs_approval": services.needs_approval(activation),
        "limits": CHANNEL_LIMITS,
        **extra,
    }


def _list_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    form: OfficialMessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(
        request,
        activation,
        messages_list=list(selectors.message_list(activation=activation)[:100]),
        form=form or OfficialMessageForm(initial={"language": "fr"}),
    )
    return render(request, "relay/message_list.html", context, status=status)


@login_required
@require_GET
def message_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug, Action.VIEW_RELAY)
    return _list_page(request, activation)


@login_required
@require_POST
def message_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug, Action.SUBMIT_OFFICIAL_MESSAGE)
    form = OfficialMessageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = services.official_message_create(
                activation=activation,
                by=request.user,
                text=data["text"],
                url=data["url"],
                language=data["language"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Official message recorded."))
            return redirect(
                "relay:message-detail", slug=activation.slug, message_id=message.pk
            )
    return _list_page(request, activation, form=form, status=400)


def _message(activation: Activation, message_id: int) -> OfficialMessage:
    message = selectors.message_get(activation=activation, message_id=message_id)
    if message is None:
        raise Http404
    return message


def _task(activation: Activation, task_id: int) -> RelayTask:
    task = selectors.task_get(activation=activation, task_id=task_id)
    if task is None:
        raise Http404
    return task


def _detail_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    message: OfficialMessage,
    *,
    error: DomainError | None = None,
    bound: dict[int, forms.Form] | None = None,
) -> HttpResponse:
    bound = bound or {}
    tasks = [
        {
            "task": task,
            "form": bound.get(task.pk) or DraftForm(initial={"text": task.text}),
            "link_form": LinkForm(prefix=f"t{task.pk}"),
            "length": drafting.weighted_length(task.text, task.channel),
        }
        for task in message.tasks.all()
    ]
    status = 200
    if error is not None:
        status = 409 if isinstance(error, ConflictError) else 400
        messages.error(request, error.message)
    elif bound:
        status = 400
    return render(
        request,
        "relay/message_detail.html",
        _context(request, activation, message=message, tasks=tasks),
        status=status,
    )


@login_required
@require_GET
def message_detail(
    request: AuthenticatedHttpRequest, slug: str, message_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.VIEW_RELAY)
    return _detail_page(request, activation, _message(activation, message_id))


def _back(
    activation: Activation, message_id: int, task_id: int | None = None
) -> HttpResponse:
    url = reverse("relay:message-detail", args=[activation.slug, message_id])
    return redirect(url + (f"#task-{task_id}" if task_id else ""))


@login_required
@require_POST
def message_drafts(
    request: AuthenticatedHttpRequest, slug: str, message_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_RELAY)
    message = _message(activation, message_id)
    try:
        created = services.relay_drafts_prepare(message=message, by=request.user)
    except DomainError as exc:
        return _detail_page(request, activation, message, error=exc)
    if created:
        messages.success(request, _("Drafts prepared."))
    else:
        messages.info(request, _("Every configured channel already has its draft."))
    return _back(activation, message.pk)


def _task_action(
    request: AuthenticatedHttpRequest,
    slug: str,
    task_id: int,
    action: Action,
    run: Any,
    done: str,
) -> HttpResponse:
    activation = _activation(request, slug, action)
    task = _task(activation, task_id)
    try:
        run(task=task, by=request.user)
    except DomainError as exc:
        return _detail_page(
            request, activation, _message(activation, task.message_id), error=exc
        )
    messages.success(request, done)
    return _back(activation, task.message_id, task.pk)


@login_required
@require_POST
def task_edit(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_RELAY)
    task = _task(activation, task_id)
    form = DraftForm(request.POST)
    message = _message(activation, task.message_id)
    if not form.is_valid():
        return _detail_page(request, activation, message, bound={task.pk: form})
    try:
        services.relay_task_edit(
            task=task, by=request.user, text=form.cleaned_data["text"]
        )
    except DomainError as exc:
        form.add_error("text", exc.message)
        status = 409 if isinstance(exc, ConflictError) else 400
        response = _detail_page(request, activation, message, bound={task.pk: form})
        response.status_code = status
        return response
    messages.success(request, _("Draft saved."))
    return _back(activation, task.message_id, task.pk)


@login_required
@require_POST
def task_request_approval(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    return _task_action(
        request,
        slug,
        task_id,
        Action.MANAGE_RELAY,
        services.relay_task_request_approval,
        _("Approval requested: the authority's liaisons have been told."),
    )


@login_required
@require_POST
def task_approve(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    return _task_action(
        request,
        slug,
        task_id,
        Action.APPROVE_RELAY,
        services.relay_task_approve,
        _("Approved: the team can publish it."),
    )


@login_required
@require_POST
def task_publish(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_RELAY)
    task = _task(activation, task_id)
    try:
        task = services.relay_task_publish(task=task, by=request.user)
    except DomainError as exc:
        return _detail_page(
            request, activation, _message(activation, task.message_id), error=exc
        )
    if task.status == RelayTask.Status.OUTBOX:
        messages.success(
            request,
            _(
                "No credentials for this channel: the post is in the outbox, to publish by hand."
            ),
        )
    else:
        messages.success(
            request, _("Publishing: the link appears here once it is out.")
        )
    return _back(activation, task.message_id, task.pk)


@login_required
@require_POST
def task_link(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_RELAY)
    task = _task(activation, task_id)
    form = LinkForm(request.POST, prefix=f"t{task.pk}")
    if not form.is_valid():
        error = DomainError(
            _("Give the link to the published post (an https address).")
        )
        return _detail_page(
            request, activation, _message(activation, task.message_id), error=error
        )
    try:
        services.relay_task_record_link(
            task=task, by=request.user, url=form.cleaned_data["url"]
        )
    except DomainError as exc:
        return _detail_page(
            request, activation, _message(activation, task.message_id), error=exc
        )
    messages.success(request, _("Recorded as published."))
    if request.POST.get("next") == "outbox":
        return redirect("relay:outbox", slug=activation.slug)
    return _back(activation, task.message_id, task.pk)


@login_required
@require_POST
def task_cancel(
    request: AuthenticatedHttpRequest, slug: str, task_id: int
) -> HttpResponse:
    return _task_action(
        request,
        slug,
        task_id,
        Action.MANAGE_RELAY,
        services.relay_task_cancel,
        _("Cancelled: it will not be relayed on this channel."),
    )


@login_required
@require_GET
def outbox(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug, Action.VIEW_RELAY)
    tasks = [
        {"task": task, "link_form": LinkForm(prefix=f"t{task.pk}")}
        for task in selectors.task_list(
            activation=activation, status=RelayTask.Status.OUTBOX
        )
    ]
    return render(
        request, "relay/outbox.html", _context(request, activation, tasks=tasks)
    )


@login_required
@require_http_methods(["GET", "POST"])
def relay_settings(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = _activation(request, slug, Action.MANAGE_RELAY)
    states = selectors.channel_states(activation=activation)
    initial: dict[str, Any] = {
        "handles": "\n".join(selectors.authority_handles(activation=activation))
    }
    for state in states:
        initial[f"{state.channel}_enabled"] = state.enabled
        initial[f"{state.channel}_hashtags"] = state.hashtags
    form = RelaySettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.relay_settings_save(
                    activation=activation,
                    by=request.user,
                    channels=form.channels(),
                    handles=form.cleaned_data["handles"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Relay settings saved."))
                return redirect("relay:message-list", slug=activation.slug)
    return render(
        request,
        "relay/settings.html",
        _context(request, activation, form=form),
        status=status,
    )
