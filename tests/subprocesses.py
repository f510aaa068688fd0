"""What a test needs to start another process of the service against its own database."""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit, urlunsplit

from django.db import connection


def subprocess_database_url() -> str:
    """The suite's own DATABASE_URL, naming the test database instead: the subprocess connects
    exactly as this process does (TCP or the embedded server's unix socket, with any password
    and options the URL carries), to the database pytest-django made for this worker."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(connection.settings_dict["NAME"])))
