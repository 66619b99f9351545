"""Writes of the volunteer onboarding: invitations, applications, training records."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import (
    Activation,
    Organisation,
    OrganisationMember,
    VolunteerLanguage,
    VolunteerProfile,
)
from audit import services as audit
from onboarding.models import (
    INVITATION_VALIDITY,
    Application,
    Invitation,
    TrainingRecord,
)
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)


class InvitationUnusable(DomainError):
    """The link was used, revoked or has expired; `state` says which."""

    def __init__(self, message: str, *, state: str, invitation: Invitation) -> None:
        super().__init__(message, code=f"invitation_{state}")
        self.state = state
        self.invitation = invitation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _supported_language(code: str | None) -> str | None:
    codes = {value for value, _label in settings.LANGUAGES}
    return code if code in codes else None


# --- invitations ----------------------------------------------------------------------
def invitation_find(*, token: str) -> Invitation | None:
    """The invitation of this raw token, or None. Looked up by its hash (the token
    itself is never stored); the digest is compared again in constant time."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    invitation = (
        Invitation.objects.select_related("team", "used_by")
        .filter(token_hash=digest)
        .first()
    )
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    return invitation


def invitation_check(*, invitation: Invitation, now: dt.datetime | None = None) -> None:
    """Raise InvitationUnusable unless the invitation can still be accepted."""
    state = invitation.state(now)
    if state == "used":
        used_on = timezone.localtime(invitation.used_at).strftime("%Y-%m-%d")
        raise InvitationUnusable(
            _("This invitation was already used on %(date)s.") % {"date": used_on},
            state=state,
            invitation=invitation,
        )
    if state == "revoked":
        raise InvitationUnusable(
            _("This invitation was withdrawn by the team."),
            state=state,
            invitation=invitation,
        )
    if state == "expired":
        expired_on = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
        raise InvitationUnusable(
            _("This invitation expired on %(date)s.") % {"date": expired_on},
            state=state,
            invitation=invitation,
        )


def _send_invitation_email(*, invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("team", "invited_by").get(
        pk=invitation_id
    )
    link = settings.VOST_SITE_URL + reverse("onboarding:accept", args=[token])
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": link,
            "site_name": settings.VOST_SITE_NAME,
        }
        subject = render_to_string("onboarding/email/invitation_subject.txt", context)
        message = render_to_string("onboarding/email/invitation.txt", context)
    try:
        send_mail(
            subject=" ".join(subject.split())[:200],
            message=message,
            from_email=None,
            recipient_list=[invitation.email],
        )
    except Exception:  # the coordinator can invite again; do not break the request
        logger.exception("invitation %s: email failed", invitation_id)


@transaction.atomic
def invitation_create(
    *,
    team: Organisation,
    email: str,
    invited_by: User | None,
    language: str | None = None,
    application: Application | None = None,
    now: dt.datetime | None = None,
) -> tuple[Invitation, str]:
    """Create a single-use invitation and mail its link after commit.

    Returns the invitation and the raw token (only ever in the email)."""
    email = email.strip()
    if not team.is_vost_team:
        raise DomainError(_("Only a VOST team can invite volunteers."))
    if OrganisationMember.objects.filter(
        organisation=team, user__email__iexact=email
    ).exists():
        raise ConflictError(
            _("%(email)s is already a member of the team.") % {"email": email}
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        team=team,
        email=email,
        invited_by=invited_by,
        application=application,
        language=language
        or (invited_by.language if invited_by else settings.LANGUAGE_CODE),
        token_hash=token_hash(token),
        expires_at=(now or timezone.now()) + INVITATION_VALIDITY,
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(
        lambda: _send_invitation_email(invitation_id=invitation.pk, token=token)
    )
    logger.info("invitation %s created for team %s", invitation.pk, team.pk)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.used_at is not None:
        raise ConflictError(_("This invitation was already used."))
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        logger.info("invitation %s revoked by %s", locked.pk, by.pk)
    return locked


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    language: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Create the account, make it a member of the team with a volunteer profile and
    mark the invitation used. The invitation row is locked: a double submission gets
    "already used", never a second account."""
    found = invitation_find(token=token)
    if found is None:
        raise DomainError(
            _("This invitation link is not valid."), code="invitation_unknown"
        )
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("team", "application")
        .get(pk=found.pk)
    )
    now = now or timezone.now()
    invitation_check(invitation=invitation, now=now)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This username is taken; choose another one."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(
            _(
                "An account already uses this email address: sign in with it and ask "
                "a coordinator of the team to add you."
            )
        )
    user = User(
        username=username,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
        language=_supported_language(language) or invitation.language,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ConflictError(_("This username is taken; choose another one.")) from error
    member, _joined = OrganisationMember.objects.get_or_create(
        organisation=invitation.team,
        user=user,
        defaults={"role": OrganisationMember.Role.MEMBER},
    )
    audit.record(
        action=audit.Action.PERMISSION_CHANGE,
        actor=user,
        organisation=invitation.team,
        obj=member,
        summary=f"invitation={invitation.pk} accepted user={user.pk} role=member",
    )
    application = invitation.application
    profile, _created = VolunteerProfile.objects.get_or_create(
        user=user,
        defaults={"skills": list(application.skills) if application else []},
    )
    if application:
        VolunteerLanguage.objects.bulk_create(
            [
                VolunteerLanguage(
                    profile=profile,
                    language=code,
                    level=VolunteerLanguage.Level.WORKING,
                )
                for code in dict.fromkeys(application.languages)
            ],
            ignore_conflicts=True,
        )
    invitation.used_at = now
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by", "updated_at"])
    logger.info("invitation %s accepted by user %s", invitation.pk, user.pk)
    return user


# --- applications ---------------------------------------------------------------------
def _team_coordinators(team: Organisation) -> list[User]:
    return list(
        User.objects.filter(
            organisation_memberships__organisation=team,
            organisation_memberships__role=OrganisationMember.Role.COORDINATOR,
            is_active=True,
        )
    )


@transaction.atomic
def application_submit(
    *,
    team: Organisation,
    name: str,
    email: str,
    motivation: str,
    languages: Sequence[str] = (),
    skills: Sequence[str] = (),
    language: str | None = None,
) -> Application:
    """Record an application and tell the team's coordinators. One pending
    application per email and team (a second one is a ConflictError)."""
    if not (team.is_vost_team and team.is_active):
        raise DomainError(_("This team does not take applications."))
    application = Application(
        team=team,
        name=name.strip(),
        email=email.strip(),
        motivation=motivation.strip(),
        languages=[code.strip().lower() for code in languages if code.strip()],
        skills=list(skills),
        language=language or settings.LANGUAGE_CODE,
    )
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise ConflictError(
            _(
                "An application with this email address is already waiting for this team."
            )
        ) from error
    url = reverse("onboarding:home") + f"?team={team.pk}"
    notify_translated(
        users=_team_coordinators(team),
        kind="onboarding_application",
        texts=lambda: (
            _("New application to join %(team)s") % {"team": team.name},
            _("%(name)s applied to join the team.") % {"name": application.name},
        ),
        url=url,
        level="action",
        email=True,
    )
    return application


def _locked_pending(application: Application) -> Application:
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=application.pk)
    )
    if locked.status != Application.Status.PENDING:
        raise ConflictError(_("This application was already decided."))
    return locked


@transaction.atomic
def application_approve(*, application: Application, by: User) -> Invitation:
    """Approve and send the applicant an invitation to create their account."""
    locked = _locked_pending(application)
    locked.status = Application.Status.APPROVED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    invitation, _token = invitation_create(
        team=locked.team,
        email=locked.email,
        invited_by=by,
        language=locked.language,
        application=locked,
    )
    return invitation


@transaction.atomic
def application_reject(
    *, application: Application, by: User, reason: str
) -> Application:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give a reason for the rejection."))
    locked = _locked_pending(application)
    locked.status = Application.Status.REJECTED
    locked.rejection_reason = reason
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "rejection_reason",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    return locked


# --- training records -----------------------------------------------------------------
@transaction.atomic
def training_record_save(
    *,
    team: Organisation,
    by: User,
    user: User,
    kind: str,
    title: str,
    date: dt.date,
    trainer: str = "",
    notes: str = "",
    activation: Activation | None = None,
    record: TrainingRecord | None = None,
) -> TrainingRecord:
    """Create (or, given `record`, update) a training record of a team member."""
    if not OrganisationMember.objects.filter(organisation=team, user=user).exists():
        raise DomainError(_("%(user)s is not a member of the team.") % {"user": user})
    if activation is not None and not activation.is_exercise:
        raise DomainError(_("Only an exercise activation can be linked."))
    if record is None:
        record = TrainingRecord(team=team, recorded_by=by)
    elif record.team_id != team.pk:
        raise DomainError(_("This record belongs to another team."))
    record.user = user
    record.kind = kind
    record.title = title
    record.date = date
    record.trainer = trainer
    record.notes = notes
    record.activation = activation
    record.full_clean()
    record.save()
    return record
