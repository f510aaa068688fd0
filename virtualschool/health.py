"""Health of the service's dependencies, for /healthz and the load balancer."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DatabaseError, connections

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"


def database_status(alias: str = "default") -> str:
    """'ok' when a query round-trips to the database, else 'unavailable'."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return UNAVAILABLE
    return OK


def broker_status() -> str:
    """'ok' when the Celery broker answers a ping; 'not configured' when tasks run in-process."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        return UNAVAILABLE
    finally:
        client.close()
    return OK
