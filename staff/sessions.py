"""Ending a person's sessions everywhere."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone


def sessions_end(*, user: Any) -> int:
    """Delete every unexpired session signed in as `user` from the session store; how many.

    The database session backends (db and cached_db, the default and what settings use) are
    read row by row: a session names its user only inside its encoded data, so there is no
    column to filter on. Sessions end after SESSION_IDLE_MINUTES without a request, so the
    unexpired rows are those of people using the service in the last half hour, a handful of
    rows for a council's staff. Deleting through the store also clears cached_db's cache
    entry.

    With a backend that cannot be listed (cache, signed cookies) nothing is deleted here;
    what ends those sessions is that StaffBackend.get_user refuses an inactive user on every
    request, and that a password reset changes the session's auth hash (Django's
    get_session_auth_hash), for any backend (docs/adr/0007).
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):
        return 0
    model = store_class.get_model_class()
    ended = 0
    wanted = str(user.pk)
    rows = model.objects.filter(expire_date__gt=timezone.now()).iterator()
    for row in rows:
        store = store_class(session_key=row.session_key)
        if str(store.decode(row.session_data).get(SESSION_KEY)) == wanted:
            store.delete()
            ended += 1
    return ended
