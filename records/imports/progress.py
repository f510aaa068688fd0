"""How far an import has got, visible to other processes while its transaction is open.

The rows an import writes are invisible outside its transaction until it commits, so progress
goes to the cache (Redis in production; in-process for the single-process `make run` demo),
keyed by the run id, and is read by the progress page and the terminal bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache

CACHE_SECONDS = 6 * 60 * 60
# Write at most this often: progress is for people, not worth a round trip per row.
MIN_INTERVAL_SECONDS = 0.5


def _key(run_id: object) -> str:
    return f"import-progress:{run_id}"


@dataclass
class Progress:
    run_id: object
    total: int | None = None
    done: int = 0
    on_change: Callable[[int, int | None], None] | None = None
    _last_write: float = 0.0

    def set_total(self, total: int | None) -> None:
        self.total = total
        self._write(force=True)

    def advance(self, rows: int = 1) -> None:
        self.done += rows
        self._write()

    def finish(self) -> None:
        self._write(force=True)

    def _write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < MIN_INTERVAL_SECONDS:
            return
        self._last_write = now
        cache.set(_key(self.run_id), (self.done, self.total), CACHE_SECONDS)
        if self.on_change is not None:
            self.on_change(self.done, self.total)


def progress_of(run_id: object) -> tuple[int, int | None] | None:
    """(rows done, total rows or None) for a running import, or None if nothing is known."""
    return cache.get(_key(run_id))
