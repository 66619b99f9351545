"""Back up and restore VOST Hub: the database and the private and media files.

    python scripts/backup.py backup [--out var/backups]       # make backup
    python scripts/backup.py restore BACKUP_DIR [--confirm]   # make restore BACKUP=... [CONFIRM=yes]

A backup is a folder var/backups/<UTC timestamp>/ holding
  database.dump   pg_dump custom format (-Fc) of the app database
  files.tar.gz    the private files (VOST_PRIVATE_ROOT, var/private) and uploads
                  (DJANGO_MEDIA_ROOT, var/media), as private/... and media/...
  manifest.json   when, from where (no password), each file's size and sha256, and
                  the row count of every table (checked after a restore)

The database is DATABASE_URL (or DATABASE_URL_FILE) when set, otherwise the embedded
cluster of scripts/devenv.py (started for the duration when it is not running).
A restore goes into the database configured the same way: it checks the files
against the manifest, refuses a database that already has tables, or private/media
folders that are not empty, unless --confirm (CONFIRM=yes), then restores with
pg_restore in one transaction (owners and grants are not restored: the configured
user owns everything; it must be allowed to create the extensions, PostGIS and
unaccent, or they must exist) and compares the row counts with the manifest.
Standard library only: it runs before Django is importable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import devenv  # noqa: E402

FILE_TREES = ("private", "media")
MANIFEST_VERSION = 1


class BackupError(Exception):
    """A problem the person running the command can fix; printed without a traceback."""


# --- where things are ---------------------------------------------------------------
@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme not in {"postgis", "postgres", "postgresql"}:
            raise BackupError("the database URL must be postgis:// or postgres://")
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            name=unquote(parts.path.lstrip("/")),
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }

    def described(self) -> str:
        return f"{self.name} on {self.host}:{self.port} as {self.user}"


def _env_secret(name: str) -> str:
    value = os.environ.get(name, "")
    path = os.environ.get(f"{name}_FILE", "")
    if not value and path:
        value = Path(path).read_text().strip()
    return value


@contextmanager
def configured_database(url: str | None) -> Iterator[Database]:
    """The app database: --database-url, DATABASE_URL, or the embedded cluster."""
    url = url or _env_secret("DATABASE_URL")
    if url:
        yield Database.from_url(url)
        return
    pg = devenv.Postgres()
    if not (pg.data / "PG_VERSION").exists():
        raise BackupError(
            "no DATABASE_URL and no embedded cluster in var/pg: nothing to back up to or from"
        )
    pg.bindir = pg._find_bindir()
    was_running = pg._run([str(pg.bindir / "pg_ctl"), "status", "-D", str(pg.data)])
    pg.ensure()
    try:
        yield Database.from_url(pg.url)
    finally:
        if was_running.returncode != 0:
            pg.stop()


def file_roots() -> dict[str, Path]:
    var = Path(os.environ.get("VOST_VAR_DIR") or ROOT / "var")
    return {
        "private": Path(os.environ.get("VOST_PRIVATE_ROOT") or var / "private"),
        "media": Path(os.environ.get("DJANGO_MEDIA_ROOT") or var / "media"),
    }


def pg_tool(name: str) -> str:
    """The newest installed PostgreSQL client tool (dumps read by older servers too)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: (
            int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _run(args: list[str], db: Database, what: str) -> str:
    result = subprocess.run(
        args, env=db.env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{result.stderr.strip() or result.stdout}")
    return result.stdout


def _psql(db: Database, sql: str) -> str:
    return _run(
        [pg_tool("psql"), "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
        db,
        "psql",
    )


def table_counts(db: Database) -> dict[str, int]:
    """Exact row count of every table of the public schema (PostGIS's own excepted)."""
    names = _psql(
        db,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'spatial_ref_sys' ORDER BY tablename",
    ).split()
    if not names:
        return {}
    query = " UNION ALL ".join(
        f"SELECT '{n}', count(*) FROM public.\"{n}\""  # noqa: S608 (names from pg_tables)
        for n in names
    )
    counts = {}
    for line in _psql(db, query).splitlines():
        name, count = line.split("|")
        counts[name] = int(count)
    return counts


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- backup -----------------------------------------------------------------------------
def backup(db: Database, out: Path, roots: dict[str, Path]) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out / stamp
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)  # personal data: the backup is as private as the database
    dump = folder / "database.dump"
    devenv.say(f"dumping {db.described()}")
    _run(
        [pg_tool("pg_dump"), "-Fc", "--no-password", "-f", str(dump)],
        db,
        "pg_dump",
    )
    counts = table_counts(db)
    archive = folder / "files.tar.gz"
    file_count = 0
    with tarfile.open(archive, "w:gz") as tar:
        for name in FILE_TREES:
            root = roots[name]
            tar.addfile(_dir_info(name))
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=f"{name}/{path.relative_to(root)}")
                    file_count += 1
    manifest = {
        "version": MANIFEST_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {"host": db.host, "port": db.port, "name": db.name},
        "server_version": _psql(db, "SHOW server_version").strip(),
        "tables": counts,
        "private_files": file_count,
        "files": {
            path.name: {"bytes": path.stat().st_size, "sha256": sha256(path)}
            for path in (dump, archive)
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for path in folder.iterdir():
        os.chmod(path, 0o600)
    devenv.say(
        f"backup written to {folder}: {sum(counts.values())} rows in {len(counts)} "
        f"tables, {file_count} files"
    )
    return folder


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o700
    return info


# --- restore ----------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict[str, object]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{folder} is not a backup: manifest.json is missing")
    manifest: dict[str, object] = json.loads(path.read_text())
    files = manifest.get("files")
    if manifest.get("version") != MANIFEST_VERSION or not isinstance(files, dict):
        raise BackupError(f"{path} is not a manifest this version can read")
    for name, expected in files.items():
        target = folder / name
        if not target.is_file():
            raise BackupError(f"{target} is missing")
        if (
            target.stat().st_size != expected["bytes"]
            or sha256(target) != expected["sha256"]
        ):
            raise BackupError(f"{target} does not match the manifest (damaged?)")
    return manifest


def restore(
    db: Database, folder: Path, roots: dict[str, Path], *, confirm: bool
) -> dict[str, int]:
    manifest = read_manifest(folder)
    existing = table_counts(db)
    if existing and not confirm:
        raise BackupError(
            f"{db.described()} already has {len(existing)} tables: restoring would "
            "overwrite them. Restore into an empty database, or add CONFIRM=yes."
        )
    busy = [
        str(roots[n])
        for n in FILE_TREES
        if roots[n].is_dir() and any(roots[n].iterdir())
    ]
    if busy and not confirm:
        raise BackupError(
            f"{', '.join(busy)} not empty: restoring would overwrite files. "
            "Move them away, or add CONFIRM=yes."
        )
    dump = folder / "database.dump"
    # Extensions (PostGIS, unaccent...) are created IF NOT EXISTS by the dump; their
    # comments belong to their owner and would fail for a non-superuser: skipped.
    toc = _run([pg_tool("pg_restore"), "-l", str(dump)], db, "pg_restore -l")
    kept = [line for line in toc.splitlines() if " COMMENT - EXTENSION " not in line]
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
        listing.write("\n".join(kept) + "\n")
    try:
        devenv.say(f"restoring into {db.described()}")
        args = [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            "-L",
            listing.name,
            "-d",
            db.name,
        ]
        if existing:
            args[1:1] = ["--clean", "--if-exists"]
        _run([*args, str(dump)], db, "pg_restore")
    finally:
        os.unlink(listing.name)
    with tarfile.open(folder / "files.tar.gz", "r:gz") as tar:
        for member in tar.getmembers():
            top, _, rest = member.name.partition("/")
            if top not in FILE_TREES:
                raise BackupError(f"unexpected entry {member.name!r} in files.tar.gz")
            if not rest:
                continue
            member.name = rest
            tar.extract(member, roots[top], filter="data")
    counts = table_counts(db)
    tables = manifest["tables"]
    expected = (
        {str(k): int(v) for k, v in tables.items()} if isinstance(tables, dict) else {}
    )
    if counts != expected:
        differ = sorted(
            n for n in set(counts) | set(expected) if counts.get(n) != expected.get(n)
        )
        raise BackupError(f"restored, but row counts differ for: {', '.join(differ)}")
    devenv.say(
        f"restored {sum(counts.values())} rows in {len(counts)} tables and "
        f"{manifest['private_files']} files; row counts match the manifest"
    )
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("backup", help="write a backup folder")
    make.add_argument("--out", type=Path, default=ROOT / "var" / "backups")
    make.add_argument("--database-url", default=None)
    back = sub.add_parser("restore", help="restore a backup folder")
    back.add_argument("folder", type=Path)
    back.add_argument("--confirm", action="store_true")
    back.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    try:
        with configured_database(args.database_url) as db:
            if args.command == "backup":
                backup(db, args.out, file_roots())
            else:
                restore(db, args.folder, file_roots(), confirm=args.confirm)
    except (BackupError, devenv.SetupError) as exc:
        print(f"\033[1;31m[vost] error:\033[0m {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
