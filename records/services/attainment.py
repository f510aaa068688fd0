"""Writes to attainment: assessment results (EYFS to KS4) and post-16 courses.

Which results each measure accepts, and when a child takes it, is data in
records/codes/assessment.py (from ../shared/reference/DOMAIN.md section (d)); these services
apply it, with the record's shared date rules (records/services/rules.py).
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from records.codes.assessment import (
    InvalidResultError,
    Measure,
    academic_year_label,
    academic_year_of,
    clean_result,
    normal_academic_year,
    plausible_academic_years,
    reception_year,
    rule_for,
)
from records.models import AssessmentResult, Child, Post16Course
from records.services.locking import SyncOutcome, record_create, record_update
from records.services.rules import date_errors, period_errors, raise_if

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _long(value: date) -> str:
    return date_format(value, "j F Y")


def _years(years: range) -> str:
    first, last = years[0], years[-1]
    if first == last:
        return academic_year_label(first)
    return f"{academic_year_label(first)} to {academic_year_label(last)}"


def _year_errors(errors: Errors, *, child: Child, measure: str, academic_year: int | None) -> None:
    """The academic year is not in the future, the measure existed then, and the child was
    of an age to take it: its normal year group, a year either side (GCSEs: year 9 to the end
    of their education)."""
    if academic_year is None:
        _add(errors, "academic_year", "Enter the academic year")
        return
    rule = rule_for(measure)
    current = academic_year_of(timezone.localdate())
    label = academic_year_label(academic_year)
    if academic_year > current:
        _add(
            errors,
            "academic_year",
            f"Academic year {label} has not started: the current academic year is "
            f"{academic_year_label(current)}",
        )
        return
    plausible = plausible_academic_years(measure, child.date_of_birth)
    if academic_year not in plausible:
        normal = normal_academic_year(measure, child.date_of_birth)
        year_group = "Reception" if rule.year_group == 0 else f"year {rule.year_group}"
        _add(
            errors,
            "academic_year",
            f"{rule.label} is taken in {year_group}: for a child born "
            f"{_long(child.date_of_birth)} that is {academic_year_label(normal)}, and "
            f"{_years(plausible)} are accepted (for a child out of their year group), "
            f"not {label}",
        )
        return
    if rule.first_year is not None and academic_year < rule.first_year:
        _add(
            errors,
            "academic_year",
            f"{rule.label} results on this scale start in {academic_year_label(rule.first_year)}"
            f", so there is none for {label}",
        )
        return
    if academic_year in rule.not_calculated:
        _add(
            errors,
            "academic_year",
            f"There are no {rule.label} results for {label}: {rule.not_calculated_reason}",
        )


def _result_checked(
    *,
    child: Child,
    measure: str,
    subject: str,
    academic_year: int | None,
    result: str,
    instance: AssessmentResult | None = None,
) -> tuple[str, str]:
    """Check one result against its measure's rule; return (subject, result) as stored.

    Rules: the measure is one we track; GCSEs name a subject and nothing else does; the
    result is one the measure accepts; the year is plausible; one result per measure,
    subject and year.
    """
    errors: Errors = {}
    subject = " ".join((subject or "").split())
    if measure not in Measure.values:
        allowed = ", ".join(f"{value} ({label})" for value, label in Measure.choices)
        _add(errors, "measure", f"Measure must be one of: {allowed}")
        raise_if(errors)
    rule = rule_for(measure)
    if rule.needs_subject and not subject:
        _add(errors, "subject", f"Enter the subject: {rule.label} results are per subject")
    elif subject and not rule.needs_subject:
        _add(
            errors,
            "subject",
            f"Only GCSE results have a subject: leave it blank for {rule.label}",
        )
    try:
        result = clean_result(measure, result)
    except InvalidResultError as error:
        _add(errors, "result", str(error))
    _year_errors(errors, child=child, measure=measure, academic_year=academic_year)
    if not errors:
        duplicates = AssessmentResult.objects.filter(
            child=child, measure=measure, subject__iexact=subject, academic_year=academic_year
        )
        if instance is not None:
            duplicates = duplicates.exclude(pk=instance.pk)
        if duplicates.exists():
            what = f"{rule.label} ({subject})" if subject else rule.label
            _add(
                errors,
                "academic_year",
                f"There is already a {what} result for {academic_year_label(academic_year)}: "
                "change that one instead",
            )
    raise_if(errors)
    return subject, result


def assessment_result_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    measure: str,
    academic_year: int | None,
    result: str,
    subject: str = "",
) -> AssessmentResult:
    """Record one assessment result. Rules: the result is valid for its measure (a KS2 scaled
    score 80-120, a GCSE grade 9-1 or U ...: records/codes/assessment.py); a subject for
    GCSEs only; an academic year that has started, in which the measure existed and the child
    was of an age to take it; one result per measure, subject and year."""
    subject, result = _result_checked(
        child=child, measure=measure, subject=subject, academic_year=academic_year, result=result
    )
    return record_create(
        actor=actor,
        instance=AssessmentResult(
            child=child,
            measure=measure,
            subject=subject,
            academic_year=academic_year,
            result=result,
        ),
    )


def assessment_result_update(
    *,
    actor: AbstractBaseUser | None,
    instance: AssessmentResult,
    expected_version: int,
    measure: str,
    academic_year: int | None,
    result: str,
    subject: str = "",
) -> AssessmentResult:
    """Change an assessment result, under the same rules, if nobody else changed it first."""
    subject, result = _result_checked(
        child=instance.child,
        measure=measure,
        subject=subject,
        academic_year=academic_year,
        result=result,
        instance=instance,
    )
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "measure": measure,
            "subject": subject,
            "academic_year": academic_year,
            "result": result,
        },
    )


def assessment_result_sync(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    measure: str,
    academic_year: int,
    result: str,
    subject: str = "",
) -> SyncOutcome:
    """Record a result from a file (a CTF's StageAssessment), find it unchanged when the record
    holds the same, or update the one held when the file's differs: a later file corrects an
    earlier one.

    The result held is the child's for the measure, subject (in any case) and year; it is
    updated under its version, keeping its subject as written. The rules are
    assessment_result_record's and assessment_result_update's; a refusal saves nothing.
    `result` is compared as given, so pass it cleaned (records/codes/assessment.py).
    """
    with transaction.atomic():
        held = (
            AssessmentResult.objects.filter(
                child=child, measure=measure, subject__iexact=subject, academic_year=academic_year
            )
            .order_by("pk")
            .first()
        )
        if held is None:
            assessment_result_record(
                actor=actor,
                child=child,
                measure=measure,
                academic_year=academic_year,
                result=result,
                subject=subject,
            )
            return SyncOutcome.CREATED
        if held.result == result:
            return SyncOutcome.UNCHANGED
        assessment_result_update(
            actor=actor,
            instance=held,
            expected_version=held.version,
            measure=measure,
            academic_year=academic_year,
            result=result,
            subject=held.subject,
        )
        return SyncOutcome.UPDATED


# --- Post-16 courses ------------------------------------------------------------------------

# A post-16 course starts after year 11; a year earlier is accepted for a child ahead of
# their year group.
POST16_EARLIEST_YEAR_GROUP = 11
FINISHED = (
    Post16Course.Status.COMPLETED,
    Post16Course.Status.WITHDRAWN,
    Post16Course.Status.TRANSFERRED,
)


def _post16_errors(
    *,
    child: Child,
    provider: str,
    course: str,
    start_date: date | None,
    end_date: date | None,
    status: str,
    result: str,
) -> Errors:
    errors: Errors = {}
    if not provider:
        _add(errors, "provider", "Enter the provider: the college, school or training provider")
    if not course:
        _add(errors, "course", "Enter the course")
    if start_date is None:
        _add(errors, "start_date", "Enter the start date")
    enrolled = status == Post16Course.Status.ENROLLED
    # An enrolled course may start in the future (a place accepted for September).
    date_errors(
        errors,
        child=child,
        field="start_date",
        label="Start date",
        value=start_date,
        allow_future=enrolled,
        education=True,
    )
    if start_date is not None and "start_date" not in errors:
        earliest = date(reception_year(child.date_of_birth) + POST16_EARLIEST_YEAR_GROUP, 9, 1)
        if start_date < earliest:
            _add(
                errors,
                "start_date",
                f"Start date must be on or after {_long(earliest)}: post-16 courses start "
                "after year 11 (this allows a year for a child ahead of their year group)",
            )
    # An enrolled course's end date is when it is expected to end, so it may be in the future.
    date_errors(
        errors,
        child=child,
        field="end_date",
        label="End date",
        value=end_date,
        allow_future=not status or enrolled,
        education=True,
    )
    if status in FINISHED and end_date is None:
        label = Post16Course.Status(status).label.lower()
        _add(errors, "end_date", f"Enter the date the course ended: it is {label}")
    period_errors(
        errors, start_field="start_date", start=start_date, end_field="end_date", end=end_date
    )
    if result and status and status != Post16Course.Status.COMPLETED:
        _add(
            errors,
            "result",
            "A result can only be recorded for a completed course: set the status to "
            "completed, or leave the result blank",
        )
    return errors


def post16_course_record(
    *,
    actor: AbstractBaseUser | None,
    child: Child,
    provider: str,
    course: str,
    level: str,
    start_date: date | None,
    end_date: date | None = None,
    status: str = Post16Course.Status.ENROLLED,
    result: str = "",
) -> Post16Course:
    """Record a post-16 course. Rules: provider and course given; it starts after year 11 (a
    year early accepted) and within the child's education, not in the future unless enrolled
    (a place accepted); a completed, withdrawn or transferred course has an end date, not in
    the future, on or after its start; only a completed course has a result. Level and status
    must be from their lists."""
    provider, course, result = provider.strip(), course.strip(), result.strip()
    raise_if(
        _post16_errors(
            child=child,
            provider=provider,
            course=course,
            start_date=start_date,
            end_date=end_date,
            status=status,
            result=result,
        )
    )
    return record_create(
        actor=actor,
        instance=Post16Course(
            child=child,
            provider=provider,
            course=course,
            level=level,
            start_date=start_date,
            end_date=end_date,
            status=status,
            result=result,
        ),
    )


def post16_course_update(
    *,
    actor: AbstractBaseUser | None,
    instance: Post16Course,
    expected_version: int,
    provider: str,
    course: str,
    level: str,
    start_date: date | None,
    end_date: date | None = None,
    status: str = Post16Course.Status.ENROLLED,
    result: str = "",
) -> Post16Course:
    """Change a post-16 course, under the same rules, if nobody else changed it first."""
    provider, course, result = provider.strip(), course.strip(), result.strip()
    raise_if(
        _post16_errors(
            child=instance.child,
            provider=provider,
            course=course,
            start_date=start_date,
            end_date=end_date,
            status=status,
            result=result,
        )
    )
    return record_update(
        actor=actor,
        instance=instance,
        expected_version=expected_version,
        changes={
            "provider": provider,
            "course": course,
            "level": level,
            "start_date": start_date,
            "end_date": end_date,
            "status": status,
            "result": result,
        },
    )
