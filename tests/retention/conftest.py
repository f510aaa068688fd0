import pytest

from retention.defaults import RULES
from retention.models import RetentionRule


@pytest.fixture(autouse=True)
def _retention_rules(request):
    """Migration 0002 seeds the rules; a transactional test ends by emptying every table, so
    put them back if an earlier test emptied them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not set(request.fixturenames) & {"db", "transactional_db"}:
        return
    if not RetentionRule.objects.exists():
        for values in RULES:
            RetentionRule.objects.create(**values)
