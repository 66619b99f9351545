"""`make backup` / `make restore` round trip, on a throwaway cluster.

The demo data (seed_demo: activations, members, posts, clusters, decisions, cases,
log entries...) and a few private and media files are backed up with
scripts/backup.py, restored into a NEW database and fresh folders, and compared:
row counts of every table, a checksum of the key tables' rows, every file's bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.support import REPO, Cluster

pytestmark = [pytest.mark.faults]

KEY_TABLES = [
    "accounts_user",
    "activations_activation",
    "activations_activationmember",
    "activations_logentry",
    "monitoring_source",
    "monitoring_post",
    "monitoring_cluster",
    "monitoring_triagedecision",
]


def _backup(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "backup.py"), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _tables(cluster: Cluster, database: str) -> list[str]:
    return cluster.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'spatial_ref_sys' ORDER BY 1",
        database,
    ).split()


def _counts(cluster: Cluster, database: str) -> dict[str, int]:
    return {
        name: int(cluster.psql(f'SELECT count(*) FROM "{name}"', database))  # noqa: S608
        for name in _tables(cluster, database)
    }


def _checksum(cluster: Cluster, database: str, table: str) -> str:
    rows = "string_agg(t::text, '|' ORDER BY t::text)"
    query = f"SELECT md5(coalesce({rows}, '')) FROM \"{table}\" t"  # noqa: S608
    return cluster.psql(query, database)


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_backup_then_restore_into_a_new_database_gives_the_same_data(
    cluster: Cluster, tmp_path: Path
):
    # given a database with the demo data, and private and media files
    cluster.psql("DROP DATABASE IF EXISTS vost_source", "postgres")
    cluster.psql("CREATE DATABASE vost_source TEMPLATE vost", "postgres")
    cluster.manage("seed_demo", database="vost_source")
    private, media = tmp_path / "private", tmp_path / "media"
    (private / "exports" / "2026").mkdir(parents=True)
    (private / "exports" / "2026" / "report.pdf").write_bytes(os.urandom(50_000))
    (private / "uploads.csv").write_text("handle,note\n@marie,évacuée\n")
    (media / "logos").mkdir(parents=True)
    (media / "logos" / "vost.png").write_bytes(os.urandom(2_000))
    source_env = {
        "VOST_PRIVATE_ROOT": str(private),
        "DJANGO_MEDIA_ROOT": str(media),
        "DATABASE_URL": cluster.url("vost_source"),
    }
    before = _counts(cluster, "vost_source")
    assert before["monitoring_post"] > 0
    assert before["monitoring_triagedecision"] > 0
    # when it is backed up
    made = _backup("backup", "--out", str(tmp_path / "backups"), env=source_env)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} == {
        "database.dump",
        "files.tar.gz",
        "manifest.json",
    }
    # and restored into a new, empty database and empty folders
    cluster.psql("DROP DATABASE IF EXISTS vost_restored", "postgres")
    cluster.psql("CREATE DATABASE vost_restored", "postgres")
    target_env = {
        "VOST_PRIVATE_ROOT": str(tmp_path / "restored" / "private"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "restored" / "media"),
        "DATABASE_URL": cluster.url("vost_restored"),
    }
    restored = _backup("restore", str(folder), env=target_env)
    assert restored.returncode == 0, restored.stderr
    # then every table has the same rows, and the files are the same
    assert _counts(cluster, "vost_restored") == before
    for table in KEY_TABLES:
        assert _checksum(cluster, "vost_restored", table) == _checksum(
            cluster, "vost_source", table
        ), table
    assert _files(tmp_path / "restored" / "private") == _files(private)
    assert _files(tmp_path / "restored" / "media") == _files(media)
    # and the app works on it: migrations are all applied, the checks pass
    plan = cluster.manage("migrate", "--plan", database="vost_restored")
    assert "No planned migration operations" in plan
    # a second restore over it is refused without CONFIRM=yes, and nothing changes
    refused = _backup("restore", str(folder), env=target_env)
    assert refused.returncode == 1
    assert "CONFIRM=yes" in refused.stderr
    assert _counts(cluster, "vost_restored") == before
    # with it, the database and files are replaced by the backup's
    cluster.psql("UPDATE monitoring_post SET text = 'changed'", "vost_restored")
    confirmed = _backup("restore", str(folder), "--confirm", env=target_env)
    assert confirmed.returncode == 0, confirmed.stderr
    assert _counts(cluster, "vost_restored") == before
    assert _checksum(cluster, "vost_restored", "monitoring_post") == _checksum(
        cluster, "vost_source", "monitoring_post"
    )


def test_a_damaged_backup_is_refused(cluster: Cluster, tmp_path: Path):
    private = tmp_path / "private"
    private.mkdir()
    env = {
        "VOST_PRIVATE_ROOT": str(private),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": cluster.url("vost"),
    }
    made = _backup("backup", "--out", str(tmp_path / "backups"), env=env)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    dump = folder / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    cluster.psql("DROP DATABASE IF EXISTS vost_damaged", "postgres")
    cluster.psql("CREATE DATABASE vost_damaged", "postgres")
    refused = _backup(
        "restore",
        str(folder),
        env={**env, "DATABASE_URL": cluster.url("vost_damaged")},
    )
    assert refused.returncode == 1
    assert "does not match the manifest" in refused.stderr
    assert (
        cluster.psql(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'spatial_ref_sys'",
            "vost_damaged",
        )
        == "0"
    )
