"""Two-factor authentication (TOTP with django-otp, plus single-use backup codes).

Who must use it: administrators (staff, superusers) and coordinators (of an
organisation or of an activation), when VOST_2FA_ENFORCED is on. Whoever has a
confirmed authenticator is asked for a code at every login, whatever their role.

The state of the current session lives under ``SESSION_STATE_KEY``:
``verify`` (password given, code still to give), ``enrol`` (must set up an
authenticator first), ``verified`` (code given) or ``not_required``. It is set at
login (signal in accounts.signals) and read by accounts.middleware.TwoFactorMiddleware
without a query; ``not_required`` is rechecked every RECHECK_SECONDS, so that
someone made coordinator during a session is sent to enrolment soon.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

logger = logging.getLogger(__name__)

SESSION_STATE_KEY = "vost_2fa"
SESSION_CHECKED_KEY = "vost_2fa_checked"
STATE_VERIFY = "verify"
STATE_ENROL = "enrol"
STATE_VERIFIED = "verified"
STATE_NOT_REQUIRED = "not_required"
RECHECK_SECONDS = 300
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


# --- reads --------------------------------------------------------------------------
def two_factor_required(*, user: User) -> bool:
    """Administrators and coordinators (organisation or activation) must use 2FA."""
    from activations.models import ActivationMember, OrganisationMember

    if user.is_staff or user.is_superuser:
        return True
    return (
        OrganisationMember.objects.filter(
            user=user, role=OrganisationMember.Role.COORDINATOR
        ).exists()
        or ActivationMember.objects.filter(
            user=user, role=ActivationMember.Role.COORDINATOR
        ).exists()
    )


def two_factor_enabled(*, user: User) -> bool:
    """Whether the user has a confirmed authenticator app."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def backup_codes_remaining(*, user: User) -> int:
    tokens = StaticToken.objects.filter(device__user=user, device__confirmed=True)
    return int(tokens.count())


def login_state(*, user: User) -> str:
    """What a freshly signed-in user still has to do (see the module docstring)."""
    if two_factor_enabled(user=user):
        return STATE_VERIFY
    if settings.VOST_2FA_ENFORCED and two_factor_required(user=user):
        return STATE_ENROL
    return STATE_NOT_REQUIRED


def session_state(*, session: SessionBase, user: User) -> str:
    """The session's state, computed (and stored) when missing or due for a recheck."""
    state = session.get(SESSION_STATE_KEY)
    checked = float(session.get(SESSION_CHECKED_KEY, 0))
    if state is None or (
        state == STATE_NOT_REQUIRED and time.time() - checked > RECHECK_SECONDS
    ):
        state = login_state(user=user)
        session[SESSION_STATE_KEY] = state
        session[SESSION_CHECKED_KEY] = time.time()
    return str(state)


def session_start(*, session: SessionBase, user: AbstractBaseUser) -> None:
    """Called at login: the code or the enrolment is still to come."""
    if isinstance(user, User):
        session[SESSION_STATE_KEY] = login_state(user=user)
        session[SESSION_CHECKED_KEY] = time.time()


def mark_verified(*, session: SessionBase) -> None:
    session[SESSION_STATE_KEY] = STATE_VERIFIED
    session[SESSION_CHECKED_KEY] = time.time()


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (the CSP allows img data:)."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_data_uri(scale=5, border=2))


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- writes -------------------------------------------------------------------------
def enrolment_device(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, created if there is none. A
    confirmed one stays in use until the new one is confirmed."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


@transaction.atomic
def enrolment_confirm(*, user: User, code: str) -> Enrolment:
    """Check a code from the pending authenticator; on success it becomes the user's
    only authenticator and 10 new backup codes are returned (to show once).
    Raises ValidationError when the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-id")
        .first()
    )
    if device is None:
        raise ValidationError(_("Start the set-up again: no authenticator is pending."))
    if not device.verify_token(_normalise(code)):
        logger.info("2fa: wrong enrolment code for user %s", user.pk)
        raise ValidationError(
            _("This code is not right. Check the time of your phone and try again.")
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = backup_codes_regenerate(user=user)
    logger.info("2fa: authenticator confirmed for user %s", user.pk)
    return Enrolment(device=device, backup_codes=codes)


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=BACKUP_DEVICE_NAME, confirmed=True
    )
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    logger.info("2fa: new backup codes for user %s", user.pk)
    return codes


def code_verify(*, user: User, code: str) -> Device | None:
    """The device (authenticator or backup codes) that accepts ``code``, or None.
    A backup code is used up; django-otp slows down repeated failures."""
    device: Device | None = match_token(user, _normalise(code))
    if device is None:
        logger.warning("2fa: wrong code for user %s", user.pk)
    else:
        logger.info("2fa: user %s verified with %s", user.pk, type(device).__name__)
    return device


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Remove every authenticator and backup code; refused (ValidationError) to
    someone who must use two-factor authentication."""
    if settings.VOST_2FA_ENFORCED and two_factor_required(user=user):
        raise ValidationError(
            _(
                "Administrators and coordinators must keep two-factor authentication. "
                "You can replace your authenticator instead."
            )
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.info("2fa: disabled by user %s", user.pk)


def _normalise(code: str) -> str:
    return "".join(code.split()).lower()
