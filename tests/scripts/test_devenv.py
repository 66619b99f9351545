"""The set-up scripts' answers to a busy port, a stale cluster and a machine without apt."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import devenv


def _devenv(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/devenv.py", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_busy_web_port_names_the_fix():
    # given something already listens on the port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        # when
        result = _devenv("run", PORT=str(port))
    # then one clear line, no traceback, nothing started
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_port_is_refused():
    result = _devenv("run", PORT="eighty")
    assert result.returncode == 1
    assert "PORT='eighty' is not a port number" in result.stderr


def test_unknown_command_prints_usage():
    result = _devenv("explode")
    assert result.returncode == 2
    assert "make run" in result.stderr


def test_bootstrap_without_apt_names_the_fix(tmp_path):
    # given a machine where dpkg says nothing is installed and there is no apt-get
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "dirname", "id", "cat"):
        (bindir / tool).symlink_to(shutil.which(tool))
    fake = bindir / "dpkg-query"
    fake.write_text("#!/bin/bash\nexit 1\n")
    fake.chmod(0o755)
    env = {"PATH": str(bindir), "HOME": str(tmp_path)}
    # when
    result = subprocess.run(
        [str(bindir / "bash"), "scripts/bootstrap.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then
    assert result.returncode == 1
    assert "no apt-get on this machine" in result.stderr
    assert "set DATABASE_URL" in result.stderr


@pytest.fixture
def private_cluster(tmp_path):
    link = tmp_path / "pg"
    cluster = devenv.Postgres(base=link)
    yield cluster
    cluster.stop()
    if link.is_symlink():  # root: the cluster lives under /var/lib/vost-hub
        shutil.rmtree(link.resolve().parent, ignore_errors=True)


def _psql(cluster: devenv.Postgres, sql: str) -> str:
    result = subprocess.run(
        [
            str(cluster.bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "vost",
            "-d",
            "vost",
            "-qAt",
            "-c",
            sql,
        ],
        env={**os.environ, "PGPASSWORD": cluster.password},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_cluster_survives_a_crash_with_a_stale_pid_file(private_cluster):
    # given a private cluster with data in it
    private_cluster.ensure()
    assert (
        _psql(
            private_cluster, "SELECT extname FROM pg_extension WHERE extname='postgis'"
        )
        == "postgis"
    )
    _psql(
        private_cluster,
        "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')",
    )
    private_cluster.stop()
    # and a crashed run left a postmaster.pid behind, pointing at no live process
    pidfile = private_cluster.data / "postmaster.pid"
    pidfile.write_text("4194000\n" + str(private_cluster.data) + "\n")
    if os.geteuid() == 0:
        shutil.chown(pidfile, "postgres")
    # when the next run starts it
    again = devenv.Postgres(base=private_cluster.base)
    again.ensure()
    # then it is up, on its port, with the data intact
    assert again.started_here
    assert again.password == private_cluster.password
    assert _psql(again, "SELECT note FROM kept") == "still here"
    again.stop()


def test_a_non_cluster_data_folder_is_never_overwritten(tmp_path):
    # given var/pg/data holds something that is not a cluster
    base = tmp_path / "pg"
    (base / "data").mkdir(parents=True)
    (base / "data" / "precious.txt").write_text("keep me")
    cluster = devenv.Postgres(base=base)
    # when / then
    with pytest.raises(devenv.SetupError, match="is not a PostgreSQL cluster"):
        cluster.ensure()
    assert (base / "data" / "precious.txt").read_text() == "keep me"


def test_free_port_is_free():
    port = devenv.free_port()
    assert devenv.port_is_free(port)


def test_adopt_leaves_a_live_owner_alone(tmp_path):
    owner = tmp_path / "owner"
    owner.write_text(f"{os.getppid()}\n")  # a live process that is not us
    assert devenv.adopt(owner) is False
    owner.write_text("4194000\n")  # dead
    assert devenv.adopt(owner) is True
    assert owner.read_text().strip() == str(os.getpid())


def test_stop_without_anything_running_is_harmless(tmp_path, monkeypatch):
    monkeypatch.setattr(devenv, "VAR", Path(tmp_path))
    assert devenv.cmd_stop() == 0
