"""Conditional reveals in the records forms (issue 16), GOV.UK's pattern: a follow-up field
sits under the radio option it belongs to, in a `govuk-radios__conditional` element that only
script hides (GOV.UK Frontend's CSS hides `--hidden` only when the page has JavaScript), so
without JavaScript every follow-up is shown and the form still works."""

from __future__ import annotations

import re

import pytest
from django import forms

from records.forms import EpisodeForm
from records.sections.behaviour import EXCLUSION_FORM
from records.sections.characteristics import CHARACTERISTICS_FORM

pytestmark = pytest.mark.django_db


def _after_option(html: str, value: str) -> str:
    """What follows the radio with `value`, up to the next radio."""
    start = re.search(rf'<input type="radio"[^>]*value="{value}"[^>]*>', html)
    assert start is not None, value
    rest = html[start.end() :]
    following = re.search(r'<input type="radio"', rest)
    return rest[: following.start()] if following else rest


def test_the_suspension_length_shows_under_suspension_not_permanent_exclusion():
    html = str(EXCLUSION_FORM())
    assert html.count('name="sessions"') == 1
    under_suspension = _after_option(html, "FIXD")
    assert re.search(
        r'<div class="govuk-radios__conditional govuk-radios__conditional--hidden" '
        r'id="conditional-id_category-FIXD" data-app-reveal-name="category" '
        r'data-app-reveal-for="FIXD LNCH">',
        under_suspension,
    )
    assert 'name="sessions"' in under_suspension
    assert 'name="sessions"' not in _after_option(html, "PERM")
    assert "conditional" not in _after_option(html, "PERM")


def test_a_chosen_suspension_with_an_error_shows_its_length_open():
    form = EXCLUSION_FORM(data={"category": "LNCH", "sessions": "two"})
    assert not form.is_valid()
    html = str(form)
    reveal = re.search(
        r'<div class="govuk-radios__conditional[^"]*" id="conditional-id_category', html
    )
    assert reveal is not None
    assert "--hidden" not in reveal.group(0)
    assert "Enter the number of sessions as a whole number" in html


def test_each_status_reveals_its_own_detail_with_govuk_radios():
    html = str(EpisodeForm())
    for value, field in (("CLA", "legal_status"), ("PLAC", "plac_route"), ("CIN", "closure_date")):
        assert re.search(
            rf'value="{value}"[^>]*data-aria-controls="conditional-id_cohort-{value}"', html
        )
        assert f'id="id_{field}' in _after_option(html, value)
    assert "conditional" not in _after_option(html, "CPP")
    assert html.count('name="legal_status"') == 1


def test_the_sen_primary_need_shows_under_ehc_plan_and_sen_support():
    html = str(CHARACTERISTICS_FORM(data={"sen_provision": "K"}))
    under = _after_option(html, "E")
    assert 'name="sen_primary_need"' in under
    assert 'data-app-reveal-for="E K"' in under
    assert "govuk-radios__conditional--hidden" not in under
    assert 'name="sen_primary_need"' not in _after_option(html, "N")


def test_a_revealed_field_stands_alone_when_its_radios_are_left_out():
    """A user who may not see the radios' field still gets the follow-up on its own."""
    form = EXCLUSION_FORM()
    del form.fields["category"]
    html = str(form)
    assert 'name="sessions"' in html
    assert "govuk-radios__conditional" not in html


def test_a_form_without_reveals_renders_as_before():
    class Plain(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        other = forms.CharField()

    html = str(Plain())
    assert "conditional" not in html
    assert html.index('name="choice"') < html.index('name="other"')
