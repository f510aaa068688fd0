"""The imports' runner where there is no broker: one background thread of the web process.

`make run` and `make test-e2e` have no broker, and Celery's eager mode would read the file
inside the upload's request, so the page that shows the import's progress would only ever
see its report (issue 16). With settings.IMPORTS_RUNNER = "thread",
records.services.imports.import_dispatch hands the committed run to `start` instead: the
upload redirects at once and the run's page polls the progress the thread writes to the
cache, as it does a Celery worker's.

Rules kept here:
- the thread opens its own database connection (Django's are per thread) and closes it when
  the run ends, however it ends, so no connection is left behind by a finished import;
- an error the import does not handle itself ends the run as failed with a message for a
  person (`fail`), never left "running"; the error itself goes to the log.

The thread is a daemon: if the web process stops, the run it was reading stays unfinished
(its transaction is rolled back by PostgreSQL, nothing is imported). This is the demo's and
the browser tests' runner only; production has a broker and Celery's workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)

THREAD_NAME = "import-{run_id}"


def start(
    *,
    run_id: str,
    execute: Callable[..., object],
    fail: Callable[..., object],
) -> threading.Thread:
    """Run `execute(run_id=...)` in a new daemon thread; on an unhandled error,
    `fail(run_id=...)`. Returns the thread (named THREAD_NAME)."""
    thread = threading.Thread(
        target=_run,
        kwargs={"run_id": run_id, "execute": execute, "fail": fail},
        name=THREAD_NAME.format(run_id=run_id),
        daemon=True,
    )
    thread.start()
    return thread


def _run(*, run_id: str, execute: Callable[..., object], fail: Callable[..., object]) -> None:
    try:
        execute(run_id=run_id)
    except Exception:
        logger.exception("import %s stopped on an error in its thread", run_id)
        try:
            fail(run_id=run_id)
        except Exception:
            logger.exception("import %s could not be marked as failed", run_id)
    finally:
        # This thread's connections only: each thread has its own.
        connections.close_all()
