# VOST Hub — the two commands are `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PY := .venv/bin/python
ARGS ?=
export PORT ?= 8000

.PHONY: help setup run test lint format stop env bench messages clean backup restore

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup:  ## install system packages (apt) and .venv from uv.lock; idempotent
	@bash scripts/bootstrap.sh test

run:  ## start the app (embedded PostGIS + Redis unless DATABASE_URL/REDIS_URL), demo loaded
	@bash scripts/bootstrap.sh run
	@exec $(PY) scripts/devenv.py run

test:  ## lint, checks and the whole test suite; ARGS="..." go to pytest
	@bash scripts/bootstrap.sh test
	@exec $(PY) scripts/devenv.py test $(ARGS)

lint: setup  ## ruff and mypy only
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

format: setup  ## apply ruff's fixes and formatting
	@.venv/bin/ruff check --fix . && .venv/bin/ruff format .

messages: setup  ## refresh the French and English message catalogues
	@$(PY) scripts/devenv.py env >/dev/null && source <($(PY) scripts/devenv.py env) && \
	  $(PY) manage.py makemessages -l fr -l en --ignore .venv --ignore var --ignore tests \
	    --ignore benchmarks --ignore scripts --no-obsolete && \
	  $(PY) scripts/i18n.py fill-en && $(PY) scripts/i18n.py check

bench: setup  ## run the benchmarks (see docs/benchmarks.md)
	@$(PY) benchmarks/run_all.py

backup:  ## dump the database and the private/media files into var/backups/<UTC time>/
	@$(PY) scripts/backup.py backup

restore:  ## restore BACKUP=var/backups/<time> into the configured (empty) database; CONFIRM=yes overwrites
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<time> [CONFIRM=yes]"; exit 2; }
	@$(PY) scripts/backup.py restore "$(BACKUP)" $(if $(filter yes,$(CONFIRM)),--confirm,)

env:  ## print shell exports for the embedded services (they keep running)
	@$(PY) scripts/devenv.py env

stop:  ## stop embedded PostgreSQL/Redis left running
	@$(PY) scripts/devenv.py stop

clean:  ## remove .venv and caches (keeps var/, your data)
	rm -rf .venv .ruff_cache .mypy_cache .pytest_cache
