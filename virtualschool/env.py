"""Typed reading of the environment variables that configure the service.

Every setting that can vary between deployments is read here, once, with its type. A required
value that is missing stops start-up with a message naming the variable, never a silent default.
"""

from __future__ import annotations

import datetime
import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """The variable's value; raises ImproperlyConfigured when it is unset and has no default."""
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be {minimum} or more, not {number}.")
    return number


def env_time_of_day(name: str, default: str) -> datetime.time:
    """A time of day written HH:MM (24-hour clock), such as a daily job's start."""
    value = os.environ.get(name)
    text = default if value is None or value.strip() == "" else value.strip()
    try:
        hour, minute = (int(part) for part in text.split(":"))
        return datetime.time(hour, minute)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a time of day written HH:MM, such as 02:30, not {text!r}."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name: str = "DATABASE_URL") -> dict:
    """Django DATABASES['default'] from a PostgreSQL URL (unix-socket URLs included)."""
    url = env_str(name)
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must be a PostgreSQL URL, not a {scheme or 'bare'} one."
        )
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    config["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation. The dashboards' aggregates over a materialised scope are planned
    # with row estimates far above the truth, which puts them over PostgreSQL's JIT cost
    # thresholds: at 20,000 children it spent 1.3 s compiling a statement that runs in under
    # one (docs/performance.md). Nothing this service runs is long enough to repay JIT.
    options = config.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config
