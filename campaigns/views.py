"""Pages of the prevention campaigns (organisation level) and of watch mode.

Access: campaigns.permissions.campaign_access (through its typed helpers) for
campaigns and messages; activation_get_for_user(action=MANAGE) for the watch
conversion. Refused changes come back as messages, logged, nothing changed.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation, Agreement
from activations.permissions import (
    Action,
    activation_get_for_user,
    coordinated_teams,
    organisation_can_manage,
)
from activations.views._common import activation_context
from campaigns import services, watch
from campaigns.forms import CampaignForm, LinkForm, MessageForm
from campaigns.models import Language, PreventionMessage, Risk, ScheduledPost
from campaigns.permissions import (
    CampaignAction,
    campaign_access,
    campaign_get_for_user,
    campaigns_visible_to,
    can_approve,
    liaison_authorities,
    message_get_for_user,
    messages_visible_to,
)
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


def _refused(request: AuthenticatedHttpRequest, error: DomainError) -> None:
    logger.warning(
        "campaigns: %s refused for user %s: %s",
        request.path,
        request.user.pk,
        error.code,
    )
    messages.error(request, error.message)


# --- library and campaigns ---------------------------------------------------------------
@login_required
@require_GET
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The message library (shared and the team's) and the campaigns."""
    campaign_access(user=request.user)
    risk = request.GET.get("risk", "")
    language = request.GET.get("language", "")
    library = messages_visible_to(request.user).select_related("team")
    if risk in Risk.values:
        library = library.filter(risk=risk)
    if language in Language.values:
        library = library.filter(language=language)
    can_manage = coordinated_teams(request.user).exists()
    campaigns = (
        campaigns_visible_to(request.user)
        .select_related("team", "agreement__authority", "approved_by")
        .order_by("-created_at")[:100]
    )
    authorities = set(liaison_authorities(request.user).values_list("pk", flat=True))
    return render(
        request,
        "campaigns/list.html",
        {
            "library": [
                (message, services.channel_fit(message.full_text))
                for message in library[:200]
            ],
            "risk_choices": Risk.choices,
            "language_choices": Language.choices,
            "risk": risk,
            "language": language,
            "campaigns": campaigns,
            "can_manage": can_manage,
            "authority_ids": authorities,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    campaign_access(user=request.user)
    teams = coordinated_teams(request.user).order_by("name")
    if not teams.exists():
        raise PermissionDenied
    form = MessageForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.prevention_message_create(
                team=data["team"],
                by=request.user,
                risk=data["risk"],
                language=data["language"],
                title=data["title"],
                text=data["text"],
                link=data["link"],
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Message added to the library as a draft."))
            return redirect("campaigns:list")
    elif request.method == "POST":
        logger.warning("campaigns: invalid message form from %s", request.user.pk)
    return render(request, "campaigns/message_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    message = message_get_for_user(
        user=request.user, message_id=pk, action=CampaignAction.MANAGE
    )
    initial = {
        "risk": message.risk,
        "language": message.language,
        "title": message.title,
        "text": message.text,
        "link": message.link,
    }
    form = MessageForm(request.POST or None, initial=initial, teams=None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.prevention_message_update(
                message=message,
                by=request.user,
                risk=data["risk"],
                language=data["language"],
                title=data["title"],
                text=data["text"],
                link=data["link"],
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("Message saved. It is a draft again until approved.")
            )
            return redirect("campaigns:list")
    elif request.method == "POST":
        logger.warning("campaigns: invalid message edit from %s", request.user.pk)
    return render(
        request, "campaigns/message_form.html", {"form": form, "message": message}
    )


@login_required
@require_POST
def message_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    message = message_get_for_user(
        user=request.user, message_id=pk, action=CampaignAction.MANAGE
    )
    try:
        services.prevention_message_approve(message=message, by=request.user)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Message approved: it can be scheduled."))
    return redirect("campaigns:list")


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    campaign_access(user=request.user)
    teams = coordinated_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    agreements = Agreement.objects.filter(
        vost_team__in=teams.values("pk"), status=Agreement.Status.ACTIVE
    ).select_related("authority")
    library = messages_visible_to(request.user).filter(
        status=PreventionMessage.Status.APPROVED
    )
    form = CampaignForm(
        request.POST or None,
        agreements=agreements,
        messages=library,
        timezone=request.user.timezone or "Europe/Paris",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agreement = data["agreement"]
        try:
            campaign = services.campaign_create(
                team=agreement.vost_team,
                agreement=agreement,
                by=request.user,
                title=data["title"],
                messages=list(data["messages"]),
                channels=data["channels"],
                times=data["times"],
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Campaign scheduled."))
            return redirect("campaigns:campaign-detail", pk=campaign.pk)
    elif request.method == "POST":
        logger.warning("campaigns: invalid campaign form from %s", request.user.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@login_required
@require_GET
def campaign_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get_for_user(user=request.user, campaign_id=pk)
    posts = campaign.posts.select_related("message", "published_by")
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "posts": posts,
            "can_manage": organisation_can_manage(request.user, campaign.team),
            "can_approve": can_approve(request.user, campaign),
            "link_form": LinkForm(),
            "Status": ScheduledPost.Status,
            "now": timezone.now(),
        },
    )


def _campaign_action(
    request: AuthenticatedHttpRequest, pk: int, what: str
) -> HttpResponse:
    action = CampaignAction.MANAGE if what == "cancel" else CampaignAction.APPROVE
    campaign = campaign_get_for_user(user=request.user, campaign_id=pk, action=action)
    try:
        if what == "approve":
            services.campaign_approve(campaign=campaign, by=request.user)
            messages.success(request, _("Campaign approved."))
        elif what == "withdraw":
            held = services.campaign_withdraw_approval(
                campaign=campaign, by=request.user
            )
            messages.success(
                request,
                _("Approval withdrawn: %(count)s posts will not be sent.")
                % {"count": held},
            )
        else:
            services.campaign_cancel(campaign=campaign, by=request.user)
            messages.success(request, _("Campaign cancelled."))
    except DomainError as error:
        _refused(request, error)
    return redirect("campaigns:campaign-detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(request, pk, "approve")


@login_required
@require_POST
def campaign_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(request, pk, "withdraw")


@login_required
@require_POST
def campaign_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(request, pk, "cancel")


@login_required
@require_POST
def post_record_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = ScheduledPost.objects.filter(pk=pk).first()
    if post is None:
        raise Http404
    campaign = campaign_get_for_user(
        user=request.user, campaign_id=post.campaign_id, action=CampaignAction.MANAGE
    )
    form = LinkForm(request.POST)
    if not form.is_valid():
        logger.warning("campaigns: invalid link for post %s", pk)
        messages.error(request, _("Give the link to the published post."))
    else:
        try:
            services.scheduled_post_record_link(
                post=post, by=request.user, url=form.cleaned_data["url"]
            )
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Publication recorded."))
    return redirect(
        reverse("campaigns:campaign-detail", args=[campaign.pk]) + f"#post-{pk}"
    )


# --- watch mode -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def watch_convert(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Turn a watch into a crisis activation, after a confirmation page."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE
    )
    if request.method == "POST":
        try:
            watch.watch_convert_to_crisis(activation=activation, by=request.user)
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _(
                    "The watch is now a crisis activation; its sources and history are kept."
                ),
            )
            return redirect("activations:activation-detail", slug=activation.slug)
        activation.refresh_from_db()
    is_watch = activation.kind == Activation.Kind.WATCH
    return render(
        request,
        "campaigns/watch_convert.html",
        {
            **activation_context(
                user=request.user, activation=activation, tab="overview"
            ),
            "is_watch": is_watch,
            "sources": activation.sources.order_by("name"),
            "digest": watch.watch_digest_build(activation=activation),
            "normal_interval": watch.NORMAL_INTERVAL_SECONDS,
        },
    )
