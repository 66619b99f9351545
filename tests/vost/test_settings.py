"""The settings module, loaded the way production loads it: in a fresh process."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x9!Zq2@pL7#vR4$wK8^mN3&bT6*cY1(hJ5)fD0_gS-uE+aW=oI",
    "DJANGO_ALLOWED_HOSTS": "vost.example.org",
    "DATABASE_URL": "postgis://vost:pw@db.example.org:5432/vost",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VOST_"))
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "vost.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy():
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_DEBUG": "ture"}, "DJANGO_DEBUG='ture' is not a boolean"),
        (
            {"DJANGO_SECRET_KEY": ""},
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set",
        ),
        ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
        (
            {"DATABASE_URL": "mysql://u:p@h/db"},
            "DATABASE_URL must point to PostgreSQL with PostGIS",
        ),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL must start with redis://"),
        (
            {"DJANGO_CONN_MAX_AGE": "soon"},
            "DJANGO_CONN_MAX_AGE='soon' is not an integer",
        ),
        (
            {"DJANGO_LOG_FORMAT": "xml"},
            "DJANGO_LOG_FORMAT='xml' is not one of: json, text",
        ),
        (
            {"DJANGO_SECRET_KEY_FILE": "/nonexistent/key"},
            "cannot read DJANGO_SECRET_KEY_FILE=",
        ),
    ],
)
def test_bad_configuration_stops_with_one_clear_line(override, message):
    # when
    result = _manage("check", env={**PRODUCTION_ENV, **override})
    # then
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_production_logs_are_json_lines_with_a_request_id():
    # given a production process that logs one request
    code = (
        "import django, json, logging;django.setup();"
        "from django.test import Client;"
        "Client().get('/healthz', headers={'X-Request-ID': 'probe-12345678'}, secure=True);"
        "logging.getLogger('vost.test').warning('hello %s', 'world')"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VOST_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "vost.settings",
            **PRODUCTION_ENV,
            "DJANGO_ALLOWED_HOSTS": "testserver",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then the last line is one JSON object
    import json

    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello world"
    assert record["level"] == "WARNING"
    assert record["logger"] == "vost.test"
    assert record["request_id"] == "-"
