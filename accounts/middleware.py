"""Per-request account rules: language and time zone, session limits, two-factor
authentication, and the security headers Django does not send itself."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import sessions, twofactor
from accounts.models import User
from vost.logging import current_request_id

logger = logging.getLogger(__name__)


class UserPreferencesMiddleware:
    """Runs after AuthenticationMiddleware and LocaleMiddleware.

    Anonymous visitors keep what LocaleMiddleware chose (cookie, then the
    browser's Accept-Language); a signed-in user's saved choice wins.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


# --- security -------------------------------------------------------------------------
def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/ogc/")) or (
        "json" in request.META.get("HTTP_ACCEPT", "")
        and "html" not in request.META.get("HTTP_ACCEPT", "")
    )


def _send_away(
    request: HttpRequest, *, to: str, message: str, status: int
) -> HttpResponse:
    """Leave for ``to``: htmx gets HX-Redirect, scripts and the API a JSON error,
    pages a redirect (back to the same page afterwards, for GETs)."""
    is_htmx = request.headers.get("HX-Request") == "true"
    if request.method == "GET" and not is_htmx:
        to = f"{to}?{urlencode({'next': request.get_full_path()})}"
    if is_htmx:
        response = HttpResponse(status=status)
        response["HX-Redirect"] = to
        return response
    if _wants_json(request):
        return JsonResponse(
            {
                "error": {
                    "status": status,
                    "code": "not_authenticated",
                    "message": message,
                    "details": {"redirect": to},
                    "request_id": current_request_id(),
                }
            },
            status=status,
        )
    return HttpResponseRedirect(to)


class SessionTimeoutMiddleware:
    """Ends a session idle for VOST_SESSION_IDLE_SECONDS or older than
    VOST_SESSION_MAX_SECONDS (accounts.sessions); polls do not count as activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            expired = sessions.session_expiry(request.session)
            if expired is not None:
                return self._expire(request, expired)
            if not sessions.is_poll(request):
                sessions.session_touch(request.session)
        return self.get_response(request)

    def _expire(self, request: HttpRequest, reason: str) -> HttpResponse:
        user_id = request.user.pk
        logout(request)
        logger.info("session of user %s ended (%s timeout)", user_id, reason)
        message = (
            _(
                "Your session has ended after a period of inactivity. Please log in again."
            )
            if reason == sessions.EXPIRED_IDLE
            else _("Your session has reached its maximum length. Please log in again.")
        )
        if request.path == reverse("accounts:logout"):
            return HttpResponseRedirect(reverse("accounts:login"))
        messages.info(request, message)
        return _send_away(
            request, to=reverse("accounts:login"), message=message, status=401
        )


class TwoFactorMiddleware:
    """Until a signed-in person has given their code (or, when required, set up an
    authenticator), every page but the few of ``_exempt`` sends them there. The
    admin site is covered like any page. API requests with a token are not concerned
    (DRF authenticates tokens inside the view: request.user is anonymous here)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None

    def exempt_paths(self) -> tuple[str, ...]:
        if self._exempt is None:
            self._exempt = (
                reverse("accounts:login"),
                reverse("accounts:logout"),
                reverse("accounts:two-factor-verify"),
                reverse("accounts:two-factor-setup"),
                reverse("accounts:set-language"),
                reverse("healthz"),
                reverse("readyz"),
            )
        return self._exempt

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and hasattr(request, "session"):
            state = twofactor.session_state(session=request.session, user=user)
            if state in {twofactor.STATE_VERIFY, twofactor.STATE_ENROL}:
                path = request.path
                if path not in self.exempt_paths() and not path.startswith(
                    "/" + settings.STATIC_URL.lstrip("/")
                ):
                    if state == twofactor.STATE_VERIFY:
                        to = reverse("accounts:two-factor-verify")
                        message = _("Enter the code of your authenticator app first.")
                    else:
                        to = reverse("accounts:two-factor-setup")
                        message = _("Set up two-factor authentication first.")
                    return _send_away(request, to=to, message=message, status=401)
        return self.get_response(request)


# Features no page of the hub uses: refused to every frame and script.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """The headers Django does not send itself: Permissions-Policy, and X-Frame-Options
    / nosniff on responses that skip their middleware (e.g. whitenoise files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
