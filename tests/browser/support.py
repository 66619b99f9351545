"""Helpers shared by the browser tests (not a test module)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD


def log_in(
    page: Any, username: str, *, password: str = DEFAULT_PASSWORD, fresh: bool = False
) -> None:
    """Sign in through the (French) login form and wait until signed in.

    ``fresh`` drops the cookies first (to switch people in one browser context).
    The first request of a live server imports the whole URL map (scikit-learn
    included): slow on a busy 2-core machine, so it gets a long timeout.
    """
    if fresh:
        page.context.clear_cookies()
    page.goto("/accounts/login/", timeout=120_000)
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("form.logout")).to_be_visible()
