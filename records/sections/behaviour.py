"""The Behaviour tab of a child's record (to be filled in)."""

from records.categories import DataCategory
from records.sections.base import Tab

TAB = Tab(slug="behaviour", title="Behaviour", category=DataCategory.BEHAVIOUR)
