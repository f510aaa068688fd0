"""Settings for `make run`: the demo service on one machine, with DEBUG on and no broker."""

import os

os.environ.setdefault("DEBUG", "true")
# A local-only key: `make run` never serves beyond 127.0.0.1.
os.environ.setdefault("SECRET_KEY", "local-development-only-not-secret")  # noqa: S105
# The demo's and the benchmarks' destruction certificates need a key (production sets its own:
# base.py leaves it empty, so nothing is destroyed until it is).
os.environ.setdefault("RETENTION_CERTIFICATE_KEY", "local-development-only-not-secret")  # noqa: S105

from virtualschool.settings.base import *  # noqa: E402,F403
from virtualschool.settings.base import STORAGES  # noqa: E402

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Serve assets straight from static_build/ without a collectstatic manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
