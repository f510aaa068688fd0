"""The project's Celery app sending to a real Redis broker, for the tests that run a real worker
(tests/records/imports/test_import_task.py, tests/retention/test_worker.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from virtualschool.celery import app

_KEYS = (
    "broker_url",
    "result_backend",
    "task_always_eager",
    "broker_transport_options",
    "result_backend_transport_options",
)


def forget_connections() -> None:
    """Drop the app's broker connection and producer pools, so the next message goes to the
    broker now configured (app.close() keeps a producer pool made before its connection pool),
    and its cached result backend."""
    app.close()
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextlib.contextmanager
def sending_to(url: str, *, prefix: str) -> Iterator[None]:
    """Within the block, the app sends to (and reads results from) the Redis at `url`, not
    eagerly, with every key under `prefix` (kombu's and the result backend's global_keyprefix);
    afterwards, as it was."""
    saved = {key: app.conf[key] for key in _KEYS}
    forget_connections()
    prefixed = {"global_keyprefix": prefix}
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_always_eager=False,
        broker_transport_options={**(saved["broker_transport_options"] or {}), **prefixed},
        result_backend_transport_options={
            **(saved["result_backend_transport_options"] or {}),
            **prefixed,
        },
    )
    try:
        yield
    finally:
        forget_connections()
        app.conf.update(saved)
