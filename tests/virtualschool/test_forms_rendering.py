"""GOV.UK rendering of forms through GovukFormRenderer, the error summary and GovukDateField."""

import datetime

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.html import Element, parse_html

from virtualschool.forms import GovukDateField, GovukSelect

STATUSES = [("cla", "Looked after"), ("plac", "Previously looked after")]
NEEDS = [("sen", "SEN support"), ("eal", "English as an additional language")]


class ChildDetailsForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the birth certificate")
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-!-width-one-half"}),
    )
    date_of_birth = GovukDateField(label="Date of birth")
    status = forms.ChoiceField(label="Status", choices=STATUSES, widget=forms.RadioSelect)
    needs = forms.MultipleChoiceField(
        label="Needs", choices=NEEDS, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    school = forms.ChoiceField(label="School", choices=[("", "Choose"), ("1", "Anytown")])
    confirmed = forms.BooleanField(label="I have checked these details")

    def clean(self):
        if self.cleaned_data.get("name") == "Duplicate":
            raise ValidationError("A child with these details already exists")
        return self.cleaned_data


VALID = {
    "name": "Freya",
    "date_of_birth_0": "27",
    "date_of_birth_1": "3",
    "date_of_birth_2": "2012",
    "status": "cla",
    "needs": ["sen"],
    "school": "1",
    "confirmed": "on",
}


def _html(markup) -> Element:
    return parse_html(str(markup))


def _walk(element):
    yield element
    for child in getattr(element, "children", []):
        if isinstance(child, Element):
            yield from _walk(child)


def _find(root, tag: str, /, **attrs: str) -> list[Element]:
    """Elements at or below root with this tag and these attributes (class_: one class)."""

    def matches(element: Element) -> bool:
        own = dict(element.attributes)
        return element.name == tag and all(
            value in (own.get("class") or "").split() if key == "class_" else own.get(key) == value
            for key, value in attrs.items()
        )

    return [element for element in _walk(root) if isinstance(element, Element) and matches(element)]


def _one(root, tag: str, /, **attrs: str) -> Element:
    (element,) = _find(root, tag, **attrs)
    return element


def _classes(element: Element) -> set[str]:
    return set((dict(element.attributes).get("class") or "").split())


def _text(element: Element) -> str:
    parts = []
    for child in element.children:
        parts.append(_text(child) if isinstance(child, Element) else child)
    return " ".join(" ".join(parts).split())


def _group(form: forms.Form, name: str) -> Element:
    return _html(form[name].as_field_group())


def test_a_field_with_an_error_has_error_classes_message_and_description():
    form = ChildDetailsForm(data={**VALID, "name": ""})

    group = _group(form, "name")

    assert "govuk-form-group--error" in _classes(_one(group, "div", class_="govuk-form-group"))
    field_input = _one(group, "input", name="name")
    assert {"govuk-input", "govuk-input--error"} <= _classes(field_input)
    assert dict(field_input.attributes)["aria-describedby"] == "id_name_helptext id_name_error"
    assert _text(_one(group, "div", id="id_name_helptext")) == "As on the birth certificate"
    error = _one(group, "p", id="id_name_error")
    assert "govuk-error-message" in _classes(error)
    assert _text(_one(error, "span", class_="govuk-visually-hidden")) == "Error:"
    assert _text(error) == "Error: This field is required."
    assert _text(_one(group, "label", **{"for": "id_name"})) == "Name"


def test_a_valid_field_has_no_error_classes_and_keeps_the_forms_own_classes():
    form = ChildDetailsForm(data=VALID)
    assert form.is_valid(), form.errors

    html = _html(form)

    assert not _find(html, "div", class_="govuk-form-group--error")
    assert not _find(html, "p", class_="govuk-error-message")
    postcode = _one(html, "input", name="postcode")
    assert _classes(postcode) == {"govuk-input", "govuk-!-width-one-half"}
    assert _classes(_one(html, "textarea", name="notes")) == {"govuk-textarea"}
    assert _classes(_one(html, "select", name="school")) == {"govuk-select"}


@pytest.mark.parametrize(
    ("field", "width_class"),
    [
        (forms.CharField(max_length=4), "govuk-input--width-4"),
        (forms.CharField(max_length=13), "govuk-input--width-20"),
        (forms.IntegerField(), "govuk-input--width-10"),
    ],
)
def test_short_inputs_get_a_width_that_fits(field, width_class):
    form_class = type("WidthForm", (forms.Form,), {"value": field})

    field_input = _one(_html(form_class()), "input", name="value")

    assert width_class in _classes(field_input)


def test_long_text_inputs_are_full_width():
    form_class = type("WidthForm", (forms.Form,), {"value": forms.CharField(max_length=100)})

    assert _classes(_one(_html(form_class()), "input", name="value")) == {"govuk-input"}


def test_error_summary_links_each_error_to_its_fields_first_input():
    form = ChildDetailsForm(
        data={"name": "", "date_of_birth_0": "27", "date_of_birth_2": "2012", "school": "1"}
    )

    summary = _html(render_to_string("includes/error_summary.html", {"form": form}))

    assert (
        dict(_one(summary, "div", class_="govuk-error-summary").attributes)["data-module"]
        == "govuk-error-summary"
    )
    links = [(dict(link.attributes)["href"], _text(link)) for link in _find(summary, "a")]
    assert links == [
        ("#id_name", "This field is required."),
        ("#id_date_of_birth_0", "Date of birth must include a month"),
        ("#id_status_0", "This field is required."),
        ("#id_needs_0", "This field is required."),
        ("#id_confirmed", "This field is required."),
    ]
    for href, _ in links:
        assert _find(_html(form), "input", id=href.removeprefix("#")), href


def test_error_summary_lists_form_errors_without_a_link():
    form = ChildDetailsForm(data={**VALID, "name": "Duplicate"})

    summary = _html(render_to_string("includes/error_summary.html", {"form": form}))

    (item,) = _find(summary, "li")
    assert _text(item) == "A child with these details already exists"
    assert not _find(item, "a")


def test_error_summary_is_empty_without_errors():
    html = render_to_string("includes/error_summary.html", {"form": ChildDetailsForm()})

    assert html.strip() == ""


class DateForm(forms.Form):
    date_of_birth = GovukDateField(label="Date of birth")
    end_date = GovukDateField(label="End date (optional)", required=False)


def _date_errors(day: str, month: str, year: str, *, field: str = "date_of_birth") -> list[str]:
    data = {"date_of_birth_0": "1", "date_of_birth_1": "1", "date_of_birth_2": "2012"}
    data |= {f"{field}_0": day, f"{field}_1": month, f"{field}_2": year}
    form = DateForm(data=data)
    form.is_valid()
    return form.errors.get(field, [])


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter date of birth"),
        ("27", "", "2012", "Date of birth must include a month"),
        ("", "", "2012", "Date of birth must include a day and month"),
        ("27", "3", "", "Date of birth must include a year"),
        ("31", "2", "2012", "Date of birth must be a real date"),
        ("27", "13", "2012", "Date of birth must be a real date"),
        ("27", "March", "2012", "Date of birth must be a real date"),
        ("27", "3", "12", "Year must include 4 numbers"),
    ],
)
def test_date_field_messages(day, month, year, message):
    assert _date_errors(day, month, year) == [message]


def test_date_field_messages_leave_out_the_labels_aside():
    assert _date_errors("1", "4", "", field="end_date") == ["End date must include a year"]


def test_date_field_turns_the_parts_into_a_date():
    form = DateForm(
        data={"date_of_birth_0": " 7 ", "date_of_birth_1": "03", "date_of_birth_2": "2012"}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"date_of_birth": datetime.date(2012, 3, 7), "end_date": None}


def test_date_input_renders_day_month_and_year_in_a_fieldset():
    form = DateForm(initial={"date_of_birth": datetime.date(2012, 3, 27)})

    group = _group(form, "date_of_birth")

    fieldset = _one(group, "fieldset", class_="govuk-fieldset")
    assert _text(_one(fieldset, "legend", class_="govuk-fieldset__legend")) == "Date of birth"
    inputs = _find(fieldset, "input", class_="govuk-date-input__input")
    assert [(dict(i.attributes)["id"], dict(i.attributes)["value"]) for i in inputs] == [
        ("id_date_of_birth_0", "27"),
        ("id_date_of_birth_1", "3"),
        ("id_date_of_birth_2", "2012"),
    ]
    assert all(dict(i.attributes)["inputmode"] == "numeric" for i in inputs)
    labels = [_text(label) for label in _find(fieldset, "label", class_="govuk-date-input__label")]
    assert labels == ["Day", "Month", "Year"]


def test_an_incomplete_date_highlights_only_the_missing_part():
    form = DateForm(
        data={"date_of_birth_0": "27", "date_of_birth_1": "", "date_of_birth_2": "2012"}
    )

    group = _group(form, "date_of_birth")

    errored = [dict(i.attributes)["id"] for i in _find(group, "input", class_="govuk-input--error")]
    assert errored == ["id_date_of_birth_1"]
    fieldset = _one(group, "fieldset")
    assert dict(fieldset.attributes)["aria-describedby"] == "id_date_of_birth_error"


def test_an_unreal_date_highlights_every_part():
    form = DateForm(
        data={"date_of_birth_0": "31", "date_of_birth_1": "2", "date_of_birth_2": "2012"}
    )

    assert len(_find(_group(form, "date_of_birth"), "input", class_="govuk-input--error")) == 3


@pytest.mark.parametrize(
    ("name", "kind", "legend"),
    [("status", "radios", "Status"), ("needs", "checkboxes", "Needs")],
)
def test_choices_render_as_a_fieldset_with_a_legend(name, kind, legend):
    form = ChildDetailsForm(data={**VALID, name: ""})

    group = _group(form, name)

    fieldset = _one(group, "fieldset", class_="govuk-fieldset")
    assert dict(fieldset.attributes)["aria-describedby"] == f"id_{name}_error"
    assert _text(_one(fieldset, "legend", class_="govuk-fieldset__legend")) == legend
    container = _one(fieldset, "div", class_=f"govuk-{kind}")
    assert dict(container.attributes)["data-module"] == f"govuk-{kind}"
    items = _find(container, "div", class_=f"govuk-{kind}__item")
    assert len(items) == 2
    for index, item in enumerate(items):
        item_input = _one(item, "input", class_=f"govuk-{kind}__input")
        assert dict(item_input.attributes)["id"] == f"id_{name}_{index}"
        label = _one(item, "label", class_=f"govuk-{kind}__label")
        assert dict(label.attributes)["for"] == f"id_{name}_{index}"


def test_a_single_checkbox_sits_beside_its_label_without_a_fieldset():
    group = _group(ChildDetailsForm(), "confirmed")

    assert not _find(group, "fieldset")
    item = _one(group, "div", class_="govuk-checkboxes__item")
    assert _classes(_one(item, "input", type="checkbox")) == {"govuk-checkboxes__input"}
    assert _text(_one(item, "label", class_="govuk-checkboxes__label")) == (
        "I have checked these details"
    )


def test_sign_in_page_shows_errors_in_the_title_and_summary():
    request = RequestFactory().post("/sign-in/")
    request.user = AnonymousUser()
    form = AuthenticationForm(request, data={"username": "", "password": ""})
    form.is_valid()
    form.add_error(None, "Please enter a correct username and password.")

    html = render_to_string("registration/login.html", {"form": form}, request=request)
    page = _html(html)

    assert _text(_one(page, "title")) == f"Error: Sign in – {settings.SERVICE_NAME}"
    summary = _one(page, "div", class_="govuk-error-summary")
    items = [_text(item) for item in _find(summary, "li")]
    assert items[0] == "Please enter a correct username and password."
    hrefs = [dict(link.attributes)["href"] for link in _find(summary, "a")]
    assert hrefs == ["#id_username", "#id_password"]
    assert "novalidate" in dict(_one(page, "form", method="post").attributes)


def test_a_long_select_writes_the_html_djangos_select_writes():
    """GovukSelect writes its options without a template per option: the same HTML as
    Django's own Select, escaping included, with the chosen option selected."""
    choices = [("", "All"), ('a"b', "<script>x</script>"), ("2", "Tom & Jerry's"), ("3", "C")]
    ours = GovukSelect(choices=choices).render("school", "2", attrs={"id": "id_school"})
    django = forms.Select(choices=choices).render("school", "2", attrs={"id": "id_school"})
    assert parse_html(ours) == parse_html(django)
    assert "&lt;script&gt;" in ours and "<script>" not in ours
    assert 'value="a&quot;b"' in ours
