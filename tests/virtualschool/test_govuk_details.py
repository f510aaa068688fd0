"""GOV.UK details a user ran into (issue 16): landmarks, the footer's links and public pages,
the sign-in error, messages written for people, the suspension length input, the favicon, and
Django's admin site."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from records.forms import required_message
from records.sections import TABS
from records.sections.behaviour import EXCLUSION_FORM, PROVISION_FORM
from records.sections.safeguarding import COURT_ORDERS
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def _inside(html: str, tag: str, needle: str) -> bool:
    """Whether `needle` is between the page's <tag ...> and </tag>."""
    start, end = html.find(f"<{tag}"), html.find(f"</{tag}>")
    at = html.find(needle)
    return -1 < start < at < end


def test_the_phase_banner_is_in_the_header_and_the_back_link_in_main(client_for, manager):
    child = ChildFactory(date_of_birth=datetime.date(2012, 5, 1))
    html = (
        client_for(manager)
        .get(reverse("records:child-edit", kwargs={"pk": child.pk}))
        .content.decode()
    )
    assert _inside(html, "header", 'class="govuk-phase-banner"')
    assert _inside(html, "main", 'class="govuk-back-link"')


def test_the_footer_links_help_accessibility_and_privacy_on_every_page():
    html = Client().get(reverse("sign-in")).content.decode()
    footer = html[html.find("<footer") : html.find("</footer>")]
    for name in ("help", "accessibility", "privacy:notice"):
        assert f'href="{reverse(name)}"' in footer, name


@pytest.mark.parametrize(
    ("name", "heading"),
    [("accessibility", "Accessibility statement for"), ("help", "Get help with")],
)
def test_the_footer_pages_are_public(name, heading):
    response = Client().get(reverse(name))
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_favicon_ico_is_gov_uk_s_icon_not_a_404():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("govuk/assets/images/favicon.ico")
    html = Client().get(reverse("sign-in")).content.decode()
    assert re.search(r'<link rel="icon"[^>]*favicon\.ico', html)


def test_a_refused_sign_in_uses_the_error_summary_and_marks_the_field(manager):
    response = Client().post(
        reverse("sign-in"), {"username": manager.username, "password": "not the password"}
    )
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    assert '<a href="#id_username">Enter a correct username and password' in html
    assert "govuk-form-group--error" in html
    # No loose red line above the form that belongs to no field.
    form = html[html.find("<form") :]
    first_group = form.find("govuk-form-group")
    assert "govuk-error-message" not in form[:first_group]


def test_generated_messages_refuse_a_name_that_does_not_read():
    assert required_message("Enter", "court") == "Enter the court"
    assert required_message("Enter", "address line 1") == "Enter address line 1"
    for name in ("made on", "hours a week", "written on", "hours per week", "moved to"):
        with pytest.raises(ImproperlyConfigured, match="does not read"):
            required_message("Enter", name)


def test_the_known_generated_messages_are_written_properly():
    court_orders = COURT_ORDERS.form_class.base_fields
    assert court_orders["made_on"].error_messages["required"] == (
        "Enter the date the order was made"
    )
    hours = PROVISION_FORM.base_fields["hours_per_week"].error_messages["required"]
    assert hours == "Enter the number of hours a week"


def test_no_section_form_says_enter_the_and_a_name_that_does_not_read():
    """Every required field's message, in every section's form."""
    bad = re.compile(
        r"^(?:Enter|Select|Choose) the .*\b(?:on|at|by|from|to|in|of|for)$"
        r"|^(?:Enter|Select|Choose) the hours"
        r"|^(?:Enter|Select|Choose) the (?:address )?line \d"
    )
    for tab in TABS:
        for section in tab.sections:
            for name, field in section.form_class.base_fields.items():
                message = str(field.error_messages.get("required", ""))
                assert not bad.search(message), f"{tab.slug}/{section.slug}.{name}: {message}"


def test_the_suspension_length_is_numeric_text_not_a_number_input():
    html = str(EXCLUSION_FORM()["sessions"])
    assert 'inputmode="numeric"' in html
    assert 'type="text"' in html
    assert 'type="number"' not in html


def test_django_s_admin_site_is_not_mounted():
    """So the GOV.UK field classes (the project's FORM_RENDERER) cannot reach its pages:
    staff are managed in the staff pages (docs/adr/0007-staff-accounts-in-the-service.md)."""
    for path in ("/admin/", "/admin/login/", "/admin/auth/user/"):
        with pytest.raises(Resolver404):
            resolve(path)
