"""Sign-in, password and profile pages. Everyone edits only their own account."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import selectors, services, twofactor
from accounts.forms import (
    ApiTokenForm,
    OtpCodeForm,
    PasswordConfirmForm,
    ProfileForm,
    TotpSetupForm,
)
from accounts.models import ApiToken
from vost.http import AuthenticatedHttpRequest
from vost.permissions import public

logger = logging.getLogger(__name__)

login = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", redirect_authenticated_user=True
    )
)
logout = auth_views.LogoutView.as_view()  # POST only (Django ≥ 5)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("accounts:password-change-done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


class _PasswordResetView(auth_views.PasswordResetView):
    """Name the site in the email rather than the host name the request came on."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.extra_email_context = {"site_name": settings.VOST_SITE_NAME}
        return super().form_valid(form)


password_reset = public(
    _PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password-reset-done"),
    )
)
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"
    )
)
password_reset_confirm = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password-reset-complete"),
    )
)
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Own name, contact, language and time zone; links to 2FA and API tokens."""
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_preferences_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            translation.activate(user.language)  # confirm in the language just chosen
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    if request.method == "POST":
        user.refresh_from_db()  # the form mutated the instance; show what is stored
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "two_factor_enabled": twofactor.two_factor_enabled(user=user),
            "api_token_count": selectors.api_token_list(user=user)
            .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
            .count(),
        },
    )


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Language switcher: a cookie for everyone, and the saved preference when signed in."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


# --- notifications inbox ------------------------------------------------------------
NOTIFICATIONS_PAGE_SIZE = 50


class NotificationReadForm(forms.Form):
    """Mark one notification read (``notification``), or all of them (``all``)."""

    notification = forms.IntegerField(required=False, min_value=1)
    all = forms.BooleanField(required=False)
    unread = forms.BooleanField(required=False)  # the filter to return to

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("all") and not data.get("notification"):
            raise forms.ValidationError(_("Choose a notification to mark as read."))
        return data


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own notifications, newest first, unread ones highlighted;
    ``?unread=1`` shows only those. Links go only to paths inside the hub."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(
        selectors.notification_list(user=request.user, unread_only=unread_only),
        NOTIFICATIONS_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    for note in page.object_list:
        note.link = selectors.notification_link(note.url)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/notifications.html",
        {
            "page": page,
            "unread_only": unread_only,
            "counts": selectors.notification_unread_counts(user=request.user),
        },
    )


@login_required
@require_POST
def notifications_mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark one of the user's notifications read, or all; someone else's id is
    silently ignored (it matches nothing of theirs)."""
    form = NotificationReadForm(request.POST)
    url = reverse("accounts:notifications")
    if not form.is_valid():
        messages.error(request, _("Choose a notification to mark as read."))
        return redirect(url)
    data = form.cleaned_data
    ids = None if data["all"] else [data["notification"]]
    marked = services.notification_mark_read(user=request.user, notification_ids=ids)
    if data["all"]:
        messages.success(
            request,
            _("All notifications marked as read.")
            if marked
            else _("There was nothing unread."),
        )
    if data["unread"]:
        url += "?unread=1"
    return redirect(url)


# --- login lockout (django-axes) ---------------------------------------------------------
def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, saying why, with status 429."""
    username = str((credentials or {}).get("username", ""))[:150]
    logger.warning(
        "login locked out for user name %r from %s",
        username,
        request.META.get("REMOTE_ADDR", "?"),
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": username})
    form.errors[NON_FIELD_ERRORS] = form.error_class(
        [
            ngettext(
                "Too many failed attempts: signing in to this account from your "
                "address is blocked for %(minutes)d minute. Try again later, or "
                "reset your password.",
                "Too many failed attempts: signing in to this account from your "
                "address is blocked for %(minutes)d minutes. Try again later, or "
                "reset your password.",
                minutes,
            )
            % {"minutes": minutes}
        ]
    )
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


# --- two-factor authentication --------------------------------------------------------
def _password_ok(request: HttpRequest, password: str) -> bool:
    """Re-authentication: through the backends, so lockouts apply here too."""
    user = request.user
    ok = (
        authenticate(request, username=user.get_username(), password=password)
        is not None
    )
    if not ok:
        logger.warning("re-authentication failed for user %s", user.pk)
    return ok


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages that show a secret once (keys, backup codes) are never cached."""
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own two-factor status and what they can do with it."""
    user = request.user
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": twofactor.two_factor_enabled(user=user),
            "required": settings.VOST_2FA_ENFORCED
            and twofactor.two_factor_required(user=user),
            "backup_remaining": twofactor.backup_codes_remaining(user=user),
            "password_form": PasswordConfirmForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up (or replace) an authenticator app: QR code and key, then a first code.

    Replacing one needs the password; the old authenticator works until the new one
    is confirmed, so nobody who must use 2FA is ever without it."""
    user = request.user
    state = twofactor.session_state(session=request.session, user=user)
    if state == twofactor.STATE_VERIFY:  # a code first, then changes
        return redirect("accounts:two-factor-verify")
    replacing = twofactor.two_factor_enabled(user=user)
    form = TotpSetupForm(request.POST or None, need_password=replacing)
    if request.method == "POST" and form.is_valid():
        if replacing and not _password_ok(request, form.cleaned_data["password"]):
            form.add_error("password", _("This password is not right."))
        else:
            try:
                enrolment = twofactor.enrolment_confirm(
                    user=user, code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                otp_login(request, enrolment.device)
                twofactor.mark_verified(session=request.session)
                return _no_store(
                    render(
                        request,
                        "accounts/two_factor_codes.html",
                        {"codes": enrolment.backup_codes, "just_enrolled": True},
                    )
                )
    device = twofactor.enrolment_device(user=user)
    return _no_store(
        render(
            request,
            "accounts/two_factor_setup.html",
            {
                "form": form,
                "qr": twofactor.qr_data_uri(device),
                "key": twofactor.manual_key(device),
                "replacing": replacing,
                "forced": state == twofactor.STATE_ENROL,
                **({"user": AnonymousUser()} if state == twofactor.STATE_ENROL else {}),
            },
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or a backup code."""
    user = request.user
    state = twofactor.session_state(session=request.session, user=user)
    if state != twofactor.STATE_VERIFY:
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.code_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error(
                "code", _("This code is not right, or it has already been used.")
            )
        else:
            request.session.cycle_key()
            otp_login(request, device)
            twofactor.mark_verified(session=request.session)
            if twofactor.backup_codes_remaining(user=user) <= 2:
                messages.warning(
                    request,
                    _(
                        "You have few backup codes left: make new ones under Two-factor authentication."
                    ),
                )
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "form": form,
            "next": request.GET.get("next") or request.POST.get("next", ""),
            # not signed in yet as far as the page goes: no menus, no links
            "user": AnonymousUser(),
        },
    )


@login_required
@require_POST
def two_factor_backup_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New backup codes (the old ones stop working), shown once; needs the password."""
    user = request.user
    form = PasswordConfirmForm(request.POST)
    if not twofactor.two_factor_enabled(user=user):
        messages.error(request, _("Set up two-factor authentication first."))
        return redirect("accounts:two-factor")
    if not form.is_valid() or not _password_ok(request, form.cleaned_data["password"]):
        messages.error(request, _("This password is not right."))
        return redirect("accounts:two-factor")
    codes = twofactor.backup_codes_regenerate(user=user)
    return _no_store(
        render(
            request,
            "accounts/two_factor_codes.html",
            {"codes": codes, "just_enrolled": False},
        )
    )


@login_required
@require_POST
def two_factor_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Turn two-factor authentication off; needs the password; refused to those who
    must use it."""
    form = PasswordConfirmForm(request.POST)
    if not form.is_valid() or not _password_ok(request, form.cleaned_data["password"]):
        messages.error(request, _("This password is not right."))
        return redirect("accounts:two-factor")
    try:
        twofactor.two_factor_disable(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:two-factor")


# --- API tokens -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own API tokens; a new one's key is shown once, on this answer."""
    user = request.user
    form = ApiTokenForm(request.POST or None, user=user)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.api_token_create(
                user=user,
                name=data["name"],
                scopes=data["scopes"],
                activation=data["activation"],
                days=data["days"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            new_key = created.key
            form = ApiTokenForm(user=user)
    return _no_store(
        render(
            request,
            "accounts/api_tokens.html",
            {
                "form": form,
                "new_key": new_key,
                "tokens": selectors.api_token_list(user=user),
                "now": timezone.now(),
                "site_url": settings.VOST_SITE_URL,
            },
            status=201 if new_key else 200,
        )
    )


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's own tokens; someone else's id is a 404."""
    try:
        token = services.api_token_revoke(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(
        request, _("The token %(name)s has been revoked.") % {"name": token.name}
    )
    return redirect("accounts:api-tokens")
