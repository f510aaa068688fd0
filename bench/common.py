"""What every benchmark shares: a run that leaves nothing behind, and the process's memory.

Memory is the resident set size (what the operating system counts, not only Python's): on
Linux the peak (VmHWM) is reset (/proc/self/clear_refs) just before what is measured and read
just after it; elsewhere it is resource.getrusage's ru_maxrss, the peak of the whole process.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in one transaction that is always rolled back: a benchmark leaves no row."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def status_mb(field: str) -> float | None:
    """A /proc/self/status figure (VmRSS, VmHWM) in MB, or None where there is none."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak() -> None:
    with contextlib.suppress(OSError):
        CLEAR_REFS.write_text("5")  # Linux: reset the peak resident set size (VmHWM)


def peak_mb() -> float:
    peak = status_mb("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024
