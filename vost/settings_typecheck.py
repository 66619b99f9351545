"""Settings for static analysis (mypy's Django plugin): no services are contacted."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "typecheck-only-secret-key-0123456789-abcdefghijklmnop"
)
os.environ.setdefault("DATABASE_URL", "postgis://typecheck@localhost:5432/typecheck")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")

from vost.settings import *  # noqa: F403
