"""Test settings: the real settings plus a fast hasher and in-memory email."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789"
)
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("VOST_STATIC_MANIFEST", "false")
os.environ.setdefault("DJANGO_LOG_FORMAT", "text")

from vost.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
CACHES["default"]["KEY_PREFIX"] = f"vost-test-{os.getpid()}"  # noqa: F405
CELERY_BEAT_SCHEDULE_FILENAME = "/dev/null"
# The suite signs people in with client.force_login; the two-factor requirement is
# switched on by the tests that are about it (override_settings).
VOST_2FA_ENFORCED = False
# `make test` runs the fault-tolerance tests beside the main suite, each with its own
# test database (scripts/devenv.py sets VOST_TEST_DB_NAME for the second one).
if os.environ.get("VOST_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["VOST_TEST_DB_NAME"]}  # noqa: F405
