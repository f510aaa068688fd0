"""Setup shared by the tests of what every request gets (test_bad_input.py, test_no_store.py):
a child with a row of each kind a URL can name, and a manager's client that records a 500
instead of raising it, so a test sees the response a browser would."""

from __future__ import annotations

import datetime

import pytest

from records import services
from records.codes import Cohort
from records.services import notes, safeguarding
from tests.factories import ChildFactory


@pytest.fixture
def child_rows(manager) -> dict:
    """A child in the CIN cohort with a court order (a sensitive section's row) and a note
    (a row the notes list edits), all recorded through the real services by a manager."""
    child = ChildFactory()
    services.episode_add(
        actor=manager, child=child, cohort=Cohort.CIN, start_date=child.date_of_birth
    )
    court_order = safeguarding.court_order_record(
        actor=manager,
        child=child,
        order_type="care",
        court="Family Court at Leeds",
        made_on=max(child.date_of_birth, datetime.date(2024, 1, 1)),
    )
    note = notes.note_record(
        actor=manager, child=child, category="housing", text="Moved", written_on=None
    )
    return {"child": child, "court_order": court_order, "note": note}


@pytest.fixture
def manager_client(manager, client_for):
    """A manager (who reaches everything), signed in; a 500 is returned, not raised."""
    client = client_for(manager)
    client.raise_request_exception = False
    return client
