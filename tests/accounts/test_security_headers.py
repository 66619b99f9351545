"""Security headers on every page, a CSP without inline scripts, and no inline script
or event-handler attribute in any template."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from tests.conftest import REPO


def test_a_page_carries_every_security_header(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    csp = response["Content-Security-Policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()
    }
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_the_anonymous_login_page_carries_them_too(client, db):
    response = client.get(reverse("accounts:login"))
    assert response["X-Frame-Options"] == "DENY"
    assert "Permissions-Policy" in response
    assert "Content-Security-Policy" in response


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+)\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    root = Path(REPO)
    found = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
    return [path for path in found if ".venv" not in path.parts]


def test_no_template_has_an_inline_script_or_event_handler():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in INLINE_SCRIPT.finditer(text):
            tag = match.group(0)
            if 'type="application/json"' in tag or "type='application/json'" in tag:
                continue  # data, not code (json_script)
            problems.append(f"{path.relative_to(REPO)}: inline {tag}")
        for match in EVENT_HANDLER.finditer(text):
            problems.append(f"{path.relative_to(REPO)}: {match.group(1)}= attribute")
    assert len(_templates()) > 50
    assert problems == []


def test_the_scan_catches_what_it_must():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script nonce="x">')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert EVENT_HANDLER.search('<img src=x onerror = "x">')
    assert not EVENT_HANDLER.search('<a href="/x" class="on">')


def test_production_cookies_are_secure_and_host_prefixed():
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VOST_"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "x9!Zq2@pL7#vR4$wK8^mN3&bT6*cY1(hJ5)fD0_gS-uE+aW=oI",
            "DATABASE_URL": "postgis://vost:pw@db.example.org:5432/vost",
            "REDIS_URL": "redis://redis.example.org:6379/0",
            "DJANGO_SETTINGS_MODULE": "vost.settings",
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.VOST_2FA_ENFORCED)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "Lax",
        "True",
    ]
