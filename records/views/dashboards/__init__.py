"""The dashboards: attendance, exclusions, attainment and PEPs across the children a user may see.

Managers see the whole cohort; caseworkers the same pages over their own caseload (the
selectors scope every figure through children_visible_to). Filters are GET parameters, so a
view can be bookmarked and shared; `?download=csv` gives the same view as a CSV file. Every
number links to the list of children behind it, which applies the same scope. The views bind
the filter form, call a selector and render: the figures and their rules are in
records/selectors/dashboards/.
"""

from records.views.dashboards.attainment import attainment_children_page, attainment_page
from records.views.dashboards.attendance import attendance_children_page, attendance_page
from records.views.dashboards.exclusions import exclusions_children_page, exclusions_page
from records.views.dashboards.pep import pep_children_page, pep_page

__all__ = [
    "attainment_children_page",
    "attainment_page",
    "attendance_children_page",
    "attendance_page",
    "exclusions_children_page",
    "exclusions_page",
    "pep_children_page",
    "pep_page",
]
