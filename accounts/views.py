"""Sign-in, password and profile pages. Everyone edits only their own account."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import ProfileForm
from vost.http import AuthenticatedHttpRequest
from vost.permissions import public

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
    """Own name, contact, language and time zone; API token management."""
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
        {"form": form, "api_token": selectors.api_token_get(user=user)},
    )


@login_required
@require_POST
def api_token_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = services.api_token_regenerate(user=request.user)
    # The key is shown once, right after creation; afterwards only its start.
    messages.success(
        request,
        _("New API token: %(key)s — copy it now, it will not be shown again.")
        % {"key": token.key},
        extra_tags="token",
    )
    return redirect(reverse("accounts:profile") + "#api")


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    if services.api_token_revoke(user=request.user):
        messages.success(request, _("Your API token has been revoked."))
    return redirect(reverse("accounts:profile") + "#api")


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
