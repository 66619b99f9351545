"""Writes of the search app: saved searches (create, edit, delete, follow) and
their alert check, run every minute by the beat task search.run_saved_searches."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation
from activations.services._common import log
from search import selectors
from search.models import SavedSearch
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

ALERT_THROTTLE = 200  # more new matches than this in one check pauses the alerts
ALERT_SAMPLES = 3


def _check_query(query: str) -> None:
    if query:
        selectors.query_check(query=query)


def saved_search_url(saved: SavedSearch) -> str:
    base = reverse("search:search", args=[saved.activation.slug])
    return f"{base}?{urlencode({**saved.filters, 'q': saved.query, 'saved': saved.pk})}"


@transaction.atomic
def saved_search_create(
    *,
    activation: Activation,
    user: User,
    name: str,
    query: str,
    filters: dict[str, Any],
    alerts_enabled: bool = True,
) -> SavedSearch:
    """Save a search for the team; its creator follows it. Alerts start from the
    newest post now (no alert about what is already there)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the saved search a name."))
    if not query and not filters:
        raise DomainError(_("There is nothing to save: add words or filters first."))
    _check_query(query)
    saved = SavedSearch(
        activation=activation,
        name=name,
        query=query,
        filters=filters,
        alerts_enabled=alerts_enabled,
        created_by=user,
        last_match_id=selectors.latest_post_id(activation=activation),
        last_checked_at=timezone.now(),
    )
    selectors.saved_search_params(saved=saved)  # filters still valid
    saved.full_clean(exclude=["activation", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError:
        raise ConflictError(
            _("A saved search named “%(name)s” already exists.") % {"name": name}
        ) from None
    saved.followers.add(user)
    log(
        activation=activation,
        text=_("Saved search “%(name)s” created.") % {"name": name},
        author=user,
    )
    return saved


@transaction.atomic
def saved_search_update(
    *,
    saved: SavedSearch,
    user: User,
    name: str | None = None,
    query: str | None = None,
    filters: dict[str, Any] | None = None,
    alerts_enabled: bool | None = None,
) -> SavedSearch:
    """Rename it, replace its search, or turn its alerts on or off. Turning the
    alerts on (again) clears a throttling pause and restarts from the newest post."""
    saved = SavedSearch.objects.select_for_update().get(pk=saved.pk)
    if name is not None:
        if not name.strip():
            raise DomainError(_("Give the saved search a name."))
        saved.name = name.strip()
    if query is not None or filters is not None:
        if query is not None:
            _check_query(query)
            saved.query = query
        if filters is not None:
            saved.filters = filters
        selectors.saved_search_params(saved=saved)
        saved.last_match_id = selectors.latest_post_id(activation=saved.activation)
    if alerts_enabled is not None:
        if alerts_enabled and (not saved.alerts_enabled or saved.alerts_paused):
            saved.last_match_id = selectors.latest_post_id(activation=saved.activation)
            saved.alerts_paused_at = None
        saved.alerts_enabled = alerts_enabled
    try:
        with transaction.atomic():
            saved.save()
    except IntegrityError:
        raise ConflictError(
            _("A saved search named “%(name)s” already exists.") % {"name": saved.name}
        ) from None
    log(
        activation=saved.activation,
        text=_("Saved search “%(name)s” changed.") % {"name": saved.name},
        author=user,
    )
    return saved


@transaction.atomic
def saved_search_delete(*, saved: SavedSearch, user: User) -> None:
    name, activation = saved.name, saved.activation
    deleted, _rows = SavedSearch.objects.filter(pk=saved.pk).delete()
    if deleted:
        log(
            activation=activation,
            text=_("Saved search “%(name)s” deleted.") % {"name": name},
            author=user,
        )


@transaction.atomic
def saved_search_follow(*, saved: SavedSearch, user: User, follow: bool) -> None:
    """Follow (get its alerts) or stop following; repeating is harmless."""
    if follow:
        saved.followers.add(user)
    else:
        saved.followers.remove(user)


@transaction.atomic
def saved_search_check(*, saved_search_id: int) -> int:
    """Look for posts that arrived since the last check and alert the followers.
    Returns how many new matches were found. Safe to repeat: the cursor
    (last_match_id) only moves forward, under a row lock."""
    saved = (
        SavedSearch.objects.select_for_update(skip_locked=True)
        .select_related("activation")
        .filter(pk=saved_search_id, alerts_enabled=True, alerts_paused_at__isnull=True)
        .first()
    )
    if saved is None:
        logger.info("saved search %s gone, paused or busy, skipping", saved_search_id)
        return 0
    activation = saved.activation
    now = timezone.now()
    newest = selectors.latest_post_id(activation=activation)
    since = saved.last_match_id or 0
    saved.last_checked_at = now
    if newest <= since:
        saved.save(update_fields=["last_checked_at"])
        return 0
    try:
        params = selectors.saved_search_params(saved=saved)
        selectors.query_check(query=params.query)
    except DomainError as error:
        logger.warning("saved search %s cannot run: %s", saved.pk, error.message)
        saved.alerts_paused_at = now
        saved.save(update_fields=["last_checked_at", "alerts_paused_at"])
        return 0
    new = selectors.posts_matching(activation=activation, params=params).filter(
        pk__gt=since, pk__lte=newest
    )
    ids = list(new.order_by("pk").values_list("pk", flat=True)[: ALERT_THROTTLE + 1])
    saved.last_match_id = newest
    users = [user for user in saved.followers.all() if user.is_active]
    url = saved_search_url(saved)
    if len(ids) > ALERT_THROTTLE:
        saved.alerts_paused_at = now
        saved.save(
            update_fields=["last_checked_at", "last_match_id", "alerts_paused_at"]
        )
        logger.warning(
            "saved search %s throttled: over %d new matches", saved.pk, ALERT_THROTTLE
        )
        name = saved.name
        notify_translated(
            users=users,
            texts=lambda: (
                _("Saved search “%(name)s” matches too much: narrow it")
                % {"name": name},
                _(
                    "More than %(n)d new posts matched in a minute, so its alerts are"
                    " paused. Narrow the search (more words, filters), then turn its"
                    " alerts on again."
                )
                % {"n": ALERT_THROTTLE},
            ),
            kind="saved_search_throttled",
            url=url,
            activation=activation,
            level="warning",
            email=True,
        )
        return len(ids)
    saved.save(update_fields=["last_checked_at", "last_match_id"])
    if ids:
        samples = list(
            selectors.posts_matching(activation=activation, params=params)
            .filter(pk__in=ids[-ALERT_SAMPLES:])
            .order_by("-pk")
            .values_list("text", flat=True)
        )
        name, count = saved.name, len(ids)
        notify_translated(
            users=users,
            texts=lambda: (
                ngettext(
                    "%(n)d new post matches “%(name)s”",
                    "%(n)d new posts match “%(name)s”",
                    count,
                )
                % {"n": count, "name": name},
                "\n".join(f"- {Truncator(text).chars(140)}" for text in samples),
            ),
            kind="saved_search_match",
            url=url,
            activation=activation,
            email=True,
        )
    return len(ids)
