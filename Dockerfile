# syntax=docker/dockerfile:1
# VOST Hub production image (python:3.12-slim, Debian trixie).
#
#   docker build -t vost-hub .
#   docker run --env-file .env -p 8000:8000 vost-hub                 # web (gunicorn)
#   docker run --env-file .env vost-hub celery -A vost worker -l info  # worker
#
# Configuration is the environment only (see .env.example); docker-compose.yml runs
# the whole stack (PostGIS, Redis, migrate, web, worker, beat) from this image.

# --- 1. dependencies: .venv from uv.lock, without the dev group -------------------
FROM python:3.12-slim AS builder

ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install uv==0.13.8

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# --- 2. runtime ---------------------------------------------------------------
FROM python:3.12-slim AS runtime

# gdal-bin pulls libgdal (GDAL 3.10 on trixie) but also Debian's python3-gdal and
# numpy; build with --build-arg GDAL_PACKAGE=libgdal36 for the library alone (the
# map's GeoPackage export then fails with a clear message: it needs ogr2ogr).
ARG GDAL_PACKAGE=gdal-bin

# GeoDjango: GDAL, GEOS, PROJ. gettext: compilemessages below.
# WeasyPrint (PDF reports): Pango, HarfBuzz (subsetting), a font, shared-mime-info.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ${GDAL_PACKAGE} \
        libgeos-c1t64 \
        libproj25 \
        gettext \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 vost \
    && useradd --system --uid 10001 --gid vost --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin vost

ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VOST_VAR_DIR=/app/var

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
# Code stays root-owned: the app user can read it, not change it.
COPY . /app

# Message catalogues and static files are built into the image. Settings refuse to
# load without DATABASE_URL, REDIS_URL and a secret key, but connect to neither at
# import: these placeholder values exist for this RUN line only (not ENV, not ARG).
RUN DATABASE_URL=postgis://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_SECRET_KEY=build-only-not-secret-never-used-at-run-time \
    DJANGO_DEBUG=false \
    sh -c 'python manage.py compilemessages --ignore .venv --ignore var \
        && python manage.py collectstatic --noinput' \
    && chown vost:vost /app/var \
    && install -d -o vost -g vost -m 0750 /app/var/media /app/var/private

USER vost:vost
EXPOSE 8000

# /healthz with a Host header Django accepts: the first DJANGO_ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = [x.strip().lstrip('.') for x in os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',') if x.strip() not in ('', '*')]; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': (h or ['localhost'])[0]}), timeout=4)"]

CMD ["gunicorn", "vost.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--forwarded-allow-ips=*"]
