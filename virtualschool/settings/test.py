"""Settings for the test suite: real PostgreSQL and Redis, fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")  # noqa: S105
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from virtualschool.settings.base import *  # noqa: E402,F403
from virtualschool.settings.base import STORAGES  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that exercise Celery talk to the real broker explicitly; everything else runs tasks
# in-process so a test sees their effect.
CELERY_TASK_ALWAYS_EAGER = True

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

IMPORTS_DIR = Path(tempfile.gettempdir()) / "virtualschool-test-imports"
EXTRACTS_DIR = Path(tempfile.gettempdir()) / "virtualschool-test-extracts"
RETENTION_CERTIFICATE_KEY = "test-only-retention-key"  # noqa: S105
