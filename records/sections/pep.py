"""The PEP tab: every personal education plan of the child.

The tab has a page of its own (records/pep/tab.html, filled by records.selectors.pep); a
plan's page is records/views/pep.py, its forms records/forms_pep.py (shared with the
designated teachers' portal, which may not import sections).
"""

from __future__ import annotations

from records.sections.base import Tab
from records.selectors.pep import pep_tab_context
from records.selectors.ppplus import ppplus_for_child

TAB = Tab(
    slug="pep",
    title="PEP",
    template="records/pep/tab.html",
    context=lambda *, child, user: {
        **pep_tab_context(child=child, user=user),
        "pp_plus": ppplus_for_child(child=child),
    },
    description=(
        "Personal education plans: one a term for every child in care, written with the "
        "designated teacher and the social worker."
    ),
)
