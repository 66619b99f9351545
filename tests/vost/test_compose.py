"""The deployment files: docker-compose.yml and the Dockerfile, read as text.

No Docker engine and no database: these check that the files agree with each
other and with the settings (every variable the stack sets is one the app reads
and .env.example documents).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
SETTINGS = REPO / "vost" / "settings.py"
ENV_EXAMPLE = REPO / ".env.example"

LONG_RUNNING = ("db", "redis", "web", "worker", "beat")
APP_SERVICES = ("migrate", "web", "worker", "beat")
# ${NAME}, ${NAME:-default}, ${NAME:?message}: compose's interpolation.
_INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}]*)?\}")


def _services() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(COMPOSE.read_text())
    services: dict[str, dict[str, Any]] = data["services"]
    return services


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return shlex.join(command) if isinstance(command, list) else str(command)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(name): str(value) for name, value in env.items()}


def _interpolated(value: str) -> str:
    """The value with every ${...} replaced by a plain placeholder."""
    return _INTERPOLATION.sub("placeholder", value)


def _depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {
        name: (spec or {}).get("condition", "service_started")
        for name, spec in deps.items()
    }


def _dockerfile_instructions() -> list[str]:
    """Dockerfile instructions, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [line.strip() for line in joined.splitlines() if line.strip()]


# --- docker-compose.yml ---------------------------------------------------------
def test_compose_has_the_long_running_services_and_migrate() -> None:
    services = _services()
    for name in (*LONG_RUNNING, "migrate"):
        assert name in services, f"service {name!r} missing from docker-compose.yml"


def test_app_services_share_one_image_built_from_the_dockerfile() -> None:
    services = _services()
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        assert services[name].get("build") in (".", {"context": "."}), name


def test_web_runs_gunicorn_on_vost_wsgi() -> None:
    command = _command(_services()["web"])
    assert command.startswith("gunicorn ")
    assert "vost.wsgi:application" in command
    assert "0.0.0.0:8000" in command


def test_worker_runs_celery_worker() -> None:
    assert _command(_services()["worker"]).startswith("celery -A vost worker")


def test_beat_runs_celery_beat() -> None:
    assert _command(_services()["beat"]).startswith("celery -A vost beat")


def test_migrate_is_a_one_shot_migrate() -> None:
    migrate = _services()["migrate"]
    assert "manage.py migrate" in _command(migrate)
    assert migrate.get("restart") == "no"


def test_db_is_postgis() -> None:
    assert _services()["db"]["image"].startswith("postgis/postgis:")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck_and_restart(name: str) -> None:
    service = _services()[name]
    healthcheck = service.get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    assert service.get("restart") == "unless-stopped"


def test_web_healthcheck_probes_healthz() -> None:
    test = _services()["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(test)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_is_read_by_settings_and_documented(name: str) -> None:
    settings = SETTINGS.read_text()
    documented = ENV_EXAMPLE.read_text()
    env = _environment(_services()[name])
    assert env, f"{name} sets no environment"
    for variable in env:
        # env_str("NAME", ...), env_bool(\n    "NAME", ...), env_secret("NAME")...
        read = re.search(rf"\benv_\w+\(\s*[\"']{re.escape(variable)}[\"']", settings)
        assert read, f"{name} sets {variable}, which vost/settings.py does not read"
        assert re.search(rf"^{re.escape(variable)}=", documented, re.MULTILINE), (
            f"{name} sets {variable}, which .env.example does not list"
        )


def test_app_services_run_with_debug_off_behind_a_proxy() -> None:
    for name in APP_SERVICES:
        env = _environment(_services()[name])
        assert env["DJANGO_DEBUG"] == "false", name
        assert env["DJANGO_BEHIND_TLS_PROXY"] == "true", name
        assert env["VOST_VAR_DIR"] == "/app/var", name


def test_database_url_is_postgis_on_the_db_service() -> None:
    services = _services()
    for name in APP_SERVICES:
        url = urlsplit(_interpolated(_environment(services[name])["DATABASE_URL"]))
        assert url.scheme == "postgis", name
        assert url.hostname == "db", name
        assert url.hostname in services
        assert url.port == 5432, name
        assert url.path == f"/{services['db']['environment']['POSTGRES_DB']}", name
        assert url.username == services["db"]["environment"]["POSTGRES_USER"], name


def test_redis_url_points_at_the_redis_service() -> None:
    services = _services()
    for name in APP_SERVICES:
        url = urlsplit(_interpolated(_environment(services[name])["REDIS_URL"]))
        assert url.scheme == "redis", name
        assert url.hostname == "redis", name
        assert url.hostname in services


def test_secrets_are_required_not_defaulted() -> None:
    for name in APP_SERVICES:
        env = _environment(_services()[name])
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]


def test_web_waits_for_healthy_db_and_redis_and_migrations() -> None:
    deps = _depends_on(_services()["web"])
    assert deps.get("db") == "service_healthy"
    assert deps.get("redis") == "service_healthy"
    assert deps.get("migrate") == "service_completed_successfully"


def test_worker_and_beat_wait_for_migrations() -> None:
    for name in ("worker", "beat"):
        deps = _depends_on(_services()[name])
        assert deps.get("redis") == "service_healthy", name
        assert deps.get("migrate") == "service_completed_successfully", name


def test_media_volume_is_shared_by_web_and_worker() -> None:
    services = _services()
    for name in ("web", "worker"):
        assert "media:/app/var/media" in services[name].get("volumes", []), name


# --- Dockerfile ------------------------------------------------------------------
def test_dockerfile_is_based_on_python_312_slim() -> None:
    froms = [line for line in _dockerfile_instructions() if line.startswith("FROM ")]
    assert froms
    assert all(line.split()[1] == "python:3.12-slim" for line in froms), froms


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [
        line.split()[1]
        for line in _dockerfile_instructions()
        if line.startswith("USER ")
    ]
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_installs_locked_dependencies_without_dev() -> None:
    runs = [line for line in _dockerfile_instructions() if line.startswith("RUN ")]
    assert any("uv sync --frozen --no-dev" in line for line in runs)


def test_dockerfile_builds_static_files_and_messages() -> None:
    runs = " ".join(
        line for line in _dockerfile_instructions() if line.startswith("RUN ")
    )
    assert "manage.py collectstatic --noinput" in runs
    assert "manage.py compilemessages" in runs


def test_dockerfile_installs_gdal_and_pango() -> None:
    instructions = _dockerfile_instructions()
    installs = " ".join(line for line in instructions if "apt-get install" in line)
    gdal_arg = next(
        (line for line in instructions if line.startswith("ARG GDAL_PACKAGE=")), ""
    )
    assert "gdal" in installs.lower()
    assert re.search(r"\b(gdal-bin|libgdal\d+)\b", installs + " " + gdal_arg)
    assert "libpango-1.0-0" in installs
    assert "gettext" in installs


def test_dockerfile_build_time_secrets_are_not_baked_in() -> None:
    for line in _dockerfile_instructions():
        if line.startswith(("ENV ", "ARG ")):
            for variable in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"):
                assert variable not in line, line


def test_dockerfile_serves_gunicorn_with_a_healthcheck() -> None:
    instructions = _dockerfile_instructions()
    assert "EXPOSE 8000" in instructions
    healthchecks = [line for line in instructions if line.startswith("HEALTHCHECK ")]
    assert healthchecks
    assert "http://127.0.0.1:8000/healthz" in healthchecks[-1]
    cmd = [line for line in instructions if line.startswith("CMD ")][-1]
    assert '"gunicorn", "vost.wsgi:application"' in cmd


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (REPO / ".dockerignore").read_text().split()
    for entry in (".venv", "var", ".git", ".env"):
        assert entry in ignored, entry
