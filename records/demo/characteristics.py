"""Synthetic characteristics data for the demo (to be filled in)."""

from __future__ import annotations

import random
from datetime import date

from records.models import Child, School


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add plausible characteristics rows for one synthetic child, through the services."""
