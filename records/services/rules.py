"""Date rules shared by the record's services, each with a message that names the field."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.formats import date_format

from records.calendar import birthday
from records.models import Child

# Compulsory school age runs from the term after a child turns 5 to the last Friday of June of
# the school year they turn 16; a virtual school also follows early years (from 2) and post-16
# education (to 18, and 25 with an EHC plan). Records of education are accepted from the
# child's 2nd birthday to their 25th.
EDUCATION_FROM_AGE = 2
EDUCATION_TO_AGE = 25


def _long(value: date) -> str:
    return date_format(value, "j F Y")


def birthday_at(child: Child, age: int) -> date:
    """The date a child turns `age` (records.calendar.birthday: a 29 February birthday is
    1 March in other years, so no age-based rule applies a day early)."""
    return birthday(child.date_of_birth, age)


def date_errors(
    errors: dict[str, list[str]],
    *,
    child: Child,
    field: str,
    label: str,
    value: date | None,
    allow_future: bool = False,
    education: bool = False,
) -> None:
    """Add to `errors` what is wrong with one date of a child's record, if anything.

    Every date is on or after the child's birth; unless `allow_future`, not after today; with
    `education`, within the ages a virtual school follows a child's education.
    """
    if value is None:
        return
    if not allow_future and value > timezone.localdate():
        errors.setdefault(field, []).append(f"{label} must be today or in the past")
    elif value < child.date_of_birth:
        errors.setdefault(field, []).append(
            f"{label} must be on or after the child's date of birth, {_long(child.date_of_birth)}"
        )
    elif education and not (
        birthday_at(child, EDUCATION_FROM_AGE) <= value < birthday_at(child, EDUCATION_TO_AGE)
    ):
        errors.setdefault(field, []).append(
            f"{label} must be while the child is between {EDUCATION_FROM_AGE} and "
            f"{EDUCATION_TO_AGE} ({_long(birthday_at(child, EDUCATION_FROM_AGE))} to "
            f"{_long(birthday_at(child, EDUCATION_TO_AGE))})"
        )


def period_errors(
    errors: dict[str, list[str]],
    *,
    start_field: str,
    start: date | None,
    end_field: str,
    end: date | None,
    end_label: str = "End date",
    start_label: str = "the start date",
) -> None:
    """An end is the same as or after its start."""
    if start is not None and end is not None and end < start:
        errors.setdefault(end_field, []).append(
            f"{end_label} must be the same as or after {start_label}"
        )


def raise_if(errors: dict[str, list[str]]) -> None:
    from virtualschool.errors import DomainError

    if errors:
        raise DomainError(errors)
