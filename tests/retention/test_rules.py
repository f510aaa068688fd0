"""Rules are data, seeded from the privacy notice; changing one is refused below its legal
minimum or at zero, and audited with before and after."""

import pytest

from retention import services
from retention.models import RetentionRule, RetentionRuleChange
from virtualschool.errors import DomainError

pytestmark = pytest.mark.django_db


def test_the_privacy_notice_rules_are_seeded():
    rules = {rule.cohort: rule for rule in RetentionRule.objects.all()}
    assert set(rules) == {"CLA", "CIN", "CPP", "PLAC"}
    assert (rules["CLA"].years, rules["CLA"].counts_from) == (75, "18th_birthday")
    assert "reg. 50" in rules["CLA"].legal_minimum
    assert rules["CLA"].minimum_years == 57  # the 75th anniversary of birth
    assert (rules["CIN"].years, rules["CIN"].counts_from) == (10, "closure")
    assert rules["CPP"].years == 10
    assert all(rule.basis and rule.source for rule in rules.values())


@pytest.mark.parametrize("years", [0, -1, 56])
def test_a_rule_is_never_set_to_zero_negative_or_below_its_minimum(admin_user, years):
    rule = RetentionRule.objects.get(cohort="CLA")
    with pytest.raises(DomainError) as refused:
        services.retention_rule_change(rule=rule, actor=admin_user, years=years)
    assert "years" in refused.value.message_dict
    rule.refresh_from_db()
    assert rule.years == 75
    assert not RetentionRuleChange.objects.exists()


def test_a_change_is_audited_with_before_and_after(admin_user):
    rule = RetentionRule.objects.get(cohort="CIN")
    services.retention_rule_change(rule=rule, actor=admin_user, years=12, basis="Longer, by policy")
    rule.refresh_from_db()
    assert rule.years == 12
    changes = {c.field: (c.before, c.after, c.actor) for c in RetentionRuleChange.objects.all()}
    assert changes["years"] == ("10", "12", admin_user)
    assert changes["basis"][1:] == ("Longer, by policy", admin_user)


def test_the_database_refuses_a_rule_below_its_minimum():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionRule.objects.filter(cohort="CLA").update(years=10)
