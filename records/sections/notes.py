"""The Notes tab of a child's record (to be filled in)."""

from records.sections.base import Tab

TAB = Tab(slug="notes", title="Notes", category=None)
