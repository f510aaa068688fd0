"""The project's Celery app as a test's worker subprocess runs it (`celery
--app=tests.retention.worker_app worker`): the same app, tasks and settings as
virtualschool.celery, with the broker and the result backend in the test's Redis
(TEST_CELERY_REDIS_URL) and every key under the test's own prefix (TEST_CELERY_KEY_PREFIX), so
nothing else using that Redis database sees or takes its messages."""

from __future__ import annotations

import os

from virtualschool.celery import app

PREFIX = {"global_keyprefix": os.environ["TEST_CELERY_KEY_PREFIX"]}
app.conf.update(
    broker_url=os.environ["TEST_CELERY_REDIS_URL"],
    result_backend=os.environ["TEST_CELERY_REDIS_URL"],
    broker_transport_options={**app.conf.broker_transport_options, **PREFIX},
    result_backend_transport_options=PREFIX,
)

__all__ = ["app"]
