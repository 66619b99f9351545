"""Shared fixtures: factories, a real Celery worker, headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ActivationFactory, UserFactory, make_member

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SCREENSHOTS = REPO / "var" / "screenshots"

# Playwright's sync API runs an event loop in the test thread; Django's ORM in the
# same thread then thinks it is in async code. Tests only: the server is separate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not SHARED_DATA.is_dir():
        skip = pytest.mark.skip(reason=f"reference data not found at {SHARED_DATA}")
        for item in items:
            if "realdata" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Code called directly by tests (services, tasks) speaks English; requests still
    pick their own language through the middleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def user(db: None) -> Any:
    return UserFactory()


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def activation(db: None) -> Any:
    """An active crisis activation under an active agreement (Montpellier area)."""
    return ActivationFactory()


@pytest.fixture
def member_factory(db: None) -> Any:
    """member_factory(activation, role) -> ActivationMember set up as the rules require."""
    return make_member


@pytest.fixture
def shared_data() -> Path:
    """Root of ../shared/data; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


# --- a real Celery worker ---------------------------------------------------------
@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[Any]:
    """Run a real worker thread against the test Redis broker and the test database.

    transactional_db: the worker thread has its own database connection, so it can
    only see committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from vost.celery import app

    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


# --- headless Chromium -------------------------------------------------------------
def _chromium_path() -> str:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "Chromium not found: `make test` installs Debian's chromium package"
        )
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=_chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(page: Any) -> Any:
    """Save a full-page screenshot under var/screenshots/<name>.png (looked at by people)."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
