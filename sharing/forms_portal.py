"""The designated teachers' portal's PEP forms (issue 15): the plan page's own forms
(records/forms_pep.py), limited to what the teacher writes. Shape only: the rules (owners,
workflow, dates, every error at once) are records.services.pep's, so a missing target or
date is the service's message, shown in the GOV.UK error summary and beside its field."""

from __future__ import annotations

from records.forms import RecordForm
from records.forms_pep import SECTION_FORMS as PLAN_SECTION_FORMS
from sharing.portal import TEACHER_SECTIONS

# The teacher's sections written on the plan's own fields (targets have a form of their own).
SECTION_FORMS: dict[str, type[RecordForm]] = {
    section.slug: PLAN_SECTION_FORMS[section.slug]
    for section in TEACHER_SECTIONS
    if section.slug in PLAN_SECTION_FORMS
}
