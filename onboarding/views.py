"""Pages of the volunteer onboarding.

Coordinator pages are per VOST team and get the team only through
activations.permissions.organisation_get_for_user(manage=True) (404 for a team the
user cannot see, 403 for one they see but do not coordinate). The invitation and
application pages are public on purpose (@public): the token or the team id is all
they take.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Organisation
from activations.permissions import coordinated_teams, organisation_get_for_user
from onboarding import selectors, services
from onboarding.forms import (
    AcceptInvitationForm,
    ApplicationForm,
    InvitationForm,
    RejectForm,
    TrainingRecordForm,
    exercise_activations,
)
from onboarding.models import Application
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest
from vost.permissions import public

logger = logging.getLogger(__name__)

BAD_TOKEN_LIMIT = 20  # unknown tokens per address and window before a 429
BAD_TOKEN_WINDOW = 600  # seconds


def _team(request: AuthenticatedHttpRequest, team_id: int) -> Organisation:
    team = organisation_get_for_user(
        user=request.user, organisation_id=team_id, manage=True
    )
    if not team.is_vost_team:
        raise Http404
    return team


def _home_url(team: Organisation) -> str:
    return reverse("onboarding:home") + f"?team={team.pk}"


# --- coordinator pages ----------------------------------------------------------------
@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Invitations and pending applications of one of the teams the user coordinates."""
    teams = list(coordinated_teams(request.user).order_by("name"))
    if not teams:
        raise PermissionDenied
    team_id = request.GET.get("team", "")
    team = _team(request, int(team_id)) if team_id.isdigit() else teams[0]
    return render(
        request,
        "onboarding/home.html",
        {
            "team": team,
            "teams": teams,
            "invite_form": InvitationForm(),
            "reject_form": RejectForm(),
            "applications": selectors.application_list(
                team=team, status=Application.Status.PENDING
            ),
            "decided": selectors.application_list(team=team).exclude(
                status=Application.Status.PENDING
            )[:20],
            "invitations": selectors.invitation_list(team=team)[:50],
            "apply_url": request.build_absolute_uri(
                reverse("onboarding:apply", args=[team.pk])
            ),
        },
    )


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        logger.warning(
            "invitation refused for team %s: %s", team.pk, form.errors.as_json()
        )
        messages.error(request, _("Enter a valid email address."))
        return redirect(_home_url(team))
    try:
        services.invitation_create(
            team=team, email=form.cleaned_data["email"], invited_by=request.user
        )
    except DomainError as error:
        logger.warning("invitation refused for team %s: %s", team.pk, error.message)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
    return redirect(_home_url(team))


@login_required
@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, team_id: int, invitation_id: int
) -> HttpResponse:
    team = _team(request, team_id)
    invitation = selectors.invitation_get(team=team, invitation_id=invitation_id)
    if invitation is None:
        raise Http404
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except DomainError as error:
        logger.warning(
            "revoke of invitation %s refused: %s", invitation.pk, error.message
        )
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect(_home_url(team))


@login_required
@require_POST
def application_approve(
    request: AuthenticatedHttpRequest, team_id: int, application_id: int
) -> HttpResponse:
    team = _team(request, team_id)
    application = selectors.application_get(team=team, application_id=application_id)
    if application is None:
        raise Http404
    try:
        services.application_approve(application=application, by=request.user)
    except DomainError as error:
        logger.warning(
            "approval of application %s refused: %s", application.pk, error.message
        )
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Application approved: an invitation was sent to %(email)s.")
            % {"email": application.email},
        )
    return redirect(_home_url(team))


@login_required
@require_POST
def application_reject(
    request: AuthenticatedHttpRequest, team_id: int, application_id: int
) -> HttpResponse:
    team = _team(request, team_id)
    application = selectors.application_get(team=team, application_id=application_id)
    if application is None:
        raise Http404
    form = RejectForm(request.POST)
    if not form.is_valid():
        logger.warning("rejection of application %s without a reason", application.pk)
        messages.error(request, _("Give a reason for the rejection."))
        return redirect(_home_url(team))
    try:
        services.application_reject(
            application=application, by=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        logger.warning(
            "rejection of application %s refused: %s", application.pk, error.message
        )
        messages.error(request, error.message)
    else:
        messages.success(request, _("Application rejected."))
    return redirect(_home_url(team))


@login_required
@require_http_methods(["GET", "POST"])
def training(
    request: AuthenticatedHttpRequest, team_id: int, record_id: int | None = None
) -> HttpResponse:
    """The team's training records, with a form to add one (or edit `record_id`)."""
    team = _team(request, team_id)
    record = None
    if record_id is not None:
        record = selectors.training_record_get(team=team, record_id=record_id)
        if record is None:
            raise Http404
    form = TrainingRecordForm(
        request.POST or None,
        instance=record,
        members=selectors.team_members(team=team),
        activations=exercise_activations(team.pk),
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_record_save(
                    team=team,
                    by=request.user,
                    record=record,
                    user=data["user"],
                    kind=data["kind"],
                    title=data["title"],
                    date=data["date"],
                    trainer=data["trainer"],
                    notes=data["notes"],
                    activation=data.get("activation"),
                )
            except DomainError as error:
                logger.warning("training record refused: %s", error.message)
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Training record saved."))
                return redirect("onboarding:training", team_id=team.pk)
        else:
            logger.warning("training record form invalid: %s", form.errors.as_json())
    return render(
        request,
        "onboarding/training.html",
        {
            "team": team,
            "form": form,
            "record": record,
            "records": selectors.training_record_list(team=team)[:200],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def readiness(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    return render(
        request,
        "onboarding/readiness.html",
        {"team": team, "readiness": selectors.readiness(team=team)},
    )


@login_required
@require_GET
def my_training(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own training records, in every team."""
    return render(
        request,
        "onboarding/my_training.html",
        {"records": selectors.training_records_of_user(user=request.user)},
    )


# --- public pages ---------------------------------------------------------------------
def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _unknown_token(request: HttpRequest) -> HttpResponse:
    """Same answer for any unknown token; too many from one address get a 429."""
    key = f"onboarding:bad-token:{_client_address(request)}"
    cache.add(key, 0, BAD_TOKEN_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    logger.warning(
        "unknown invitation token from %s (%s)", _client_address(request), count
    )
    status = 429 if count > BAD_TOKEN_LIMIT else 404
    return render(request, "onboarding/invitation_unknown.html", status=status)


def _refused(request: HttpRequest, error: services.InvitationUnusable) -> HttpResponse:
    logger.warning("invitation %s refused: %s", error.invitation.pk, error.state)
    return render(
        request,
        "onboarding/invitation_refused.html",
        {"message": error.message, "state": error.state, "team": error.invitation.team},
        status=410,
    )


@public
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Set a username and password from an invitation link; signs the new volunteer in."""
    invitation = services.invitation_find(token=token)
    if invitation is None:
        return _unknown_token(request)
    try:
        services.invitation_check(invitation=invitation)
    except services.InvitationUnusable as error:
        return _refused(request, error)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.invitation_accept(
                    token=token,
                    username=data["username"],
                    password=data["password1"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    language=translation.get_language(),
                )
            except services.InvitationUnusable as error:
                return _refused(request, error)
            except DomainError as error:
                logger.warning(
                    "invitation %s: account refused: %s", invitation.pk, error.message
                )
                form.add_error(None, error.message)
            else:
                login(
                    request, user, backend="django.contrib.auth.backends.ModelBackend"
                )
                messages.success(
                    request,
                    _("Welcome to %(team)s! Your account is ready.")
                    % {"team": invitation.team.name},
                )
                return redirect("home")
        else:
            logger.warning("invitation %s: form invalid", invitation.pk)
    return render(
        request,
        "onboarding/accept.html",
        {"form": form, "invitation": invitation},
        status=400 if request.method == "POST" else 200,
    )


def _applying_team(organisation_id: int) -> Organisation:
    team = Organisation.objects.filter(
        pk=organisation_id, kind=Organisation.Kind.VOST_TEAM, is_active=True
    ).first()
    if team is None:
        raise Http404
    return team


@public
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The public form to apply to join a VOST team."""
    team = _applying_team(organisation_id)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:  # honeypot filled: a bot; pretend it worked
                logger.warning("application honeypot filled for team %s", team.pk)
                return redirect("onboarding:apply-sent", organisation_id=team.pk)
            try:
                services.application_submit(
                    team=team,
                    name=data["name"],
                    email=data["email"],
                    motivation=data["motivation"],
                    languages=data["languages"],
                    skills=data["skills"],
                    language=translation.get_language(),
                )
            except DomainError as error:
                logger.warning(
                    "application refused for team %s: %s", team.pk, error.message
                )
                form.add_error(None, error.message)
            else:
                return redirect("onboarding:apply-sent", organisation_id=team.pk)
        else:
            logger.warning("application form invalid for team %s", team.pk)
    return render(
        request,
        "onboarding/apply.html",
        {"form": form, "team": team},
        status=400 if request.method == "POST" else 200,
    )


@public
@require_GET
def apply_sent(request: HttpRequest, organisation_id: int) -> HttpResponse:
    team = _applying_team(organisation_id)
    return render(request, "onboarding/apply_sent.html", {"team": team})
