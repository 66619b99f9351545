#!/usr/bin/env bash
# Install what VOST Hub needs on a Debian/Ubuntu machine, then build .venv from uv.lock.
# Safe to repeat: each step checks first and does nothing when already done.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf '\033[1;34m[vost]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[vost] error:\033[0m %s\n' "$*" >&2; exit 1; }

# --- system packages -------------------------------------------------------
# Always: GDAL (GeoDjango loads libgdal/libgeos/libproj; ogr2ogr for GeoPackage exports),
# gettext (compilemessages), Pango and DejaVu fonts (WeasyPrint's PDF reports).
# Without DATABASE_URL: PostgreSQL + PostGIS for the embedded cluster
# (postgresql-postgis follows the distribution's default PostgreSQL).
# For `make test`: Chromium for the browser tests and screenshots.
PURPOSE=${1:-run}
# WeasyPrint (PDF reports) needs Pango and a font.
SYSTEM_PACKAGES=(gdal-bin gettext ca-certificates libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
[[ -n "${DATABASE_URL:-}${DATABASE_URL_FILE:-}" ]] || SYSTEM_PACKAGES+=(postgresql postgresql-contrib postgresql-postgis)
[[ "$PURPOSE" != test ]] || SYSTEM_PACKAGES+=(chromium fonts-dejavu-core)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || missing+=("$pkg")
  done
fi

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing system packages (${missing[*]}) and no apt-get on this machine.
       Install GDAL and gettext (and Chromium for the tests) with your package manager;
       for the database, install PostgreSQL with PostGIS, or set DATABASE_URL to an
       existing PostGIS database: DATABASE_URL=postgis://user:password@host:5432/vost make $PURPOSE"
  fi
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    die "missing system packages: ${missing[*]}. Run as root or install sudo, or install them by hand:
       apt-get install ${missing[*]}"
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq || die "apt-get update failed (see above): check the network or your apt sources"
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed (see above)"
elif ! command -v dpkg-query >/dev/null 2>&1; then
  say "no dpkg on this machine: skipping system packages (GDAL, gettext, and PostgreSQL/PostGIS unless DATABASE_URL is set, must already be installed)"
fi

# --- Python >= 3.12 --------------------------------------------------------
python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
find_python() {
  local candidate
  if [[ -n "${PYTHON:-}" ]]; then
    python_ok "$PYTHON" && { echo "$PYTHON"; return; }
    die "PYTHON=$PYTHON is not a Python >= 3.12"
  fi
  for candidate in python3.12 python3.13 python3.14 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$(command -v "$candidate")"; then
      command -v "$candidate"; return
    fi
  done
  # pyenv installs are not always on PATH; prefer the oldest supported (3.12, as in the Dockerfile).
  for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] 2>/dev/null | sort -V); do
    python_ok "$candidate" && { echo "$candidate"; return; }
  done
  return 1
}
PY=$(find_python) || die "no Python >= 3.12 found (looked on PATH and in ~/.pyenv/versions).
       Install one: apt-get install python3.12 python3.12-venv, or pyenv install 3.12, or set PYTHON=/path/to/python3.12"

# --- uv and the virtualenv --------------------------------------------------
UV_VERSION=0.13.8
TOOLS=var/tools
if [[ ! -x $TOOLS/bin/uv ]] || [[ "$($TOOLS/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
  say "installing uv $UV_VERSION into $TOOLS (with $PY)"
  mkdir -p var
  "$PY" -m venv "$TOOLS" || die "cannot create a virtualenv with $PY (on Debian: apt-get install python3-venv)"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check "uv==$UV_VERSION" || die "cannot install uv from PyPI"
fi
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy
"$TOOLS/bin/uv" sync --frozen --quiet --python "$PY" ${UV_SYNC_ARGS:-} \
  || die "uv sync failed (see above). If pyproject.toml changed, run: $TOOLS/bin/uv lock"
