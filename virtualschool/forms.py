"""GOV.UK Design System rendering for every Django form, and a GOV.UK date input.

`GovukFormRenderer` is the project's FORM_RENDERER, so `{{ form }}` renders each field with the
hand-written templates in templates/forms/govuk/: label or legend, hint (the field's help_text),
error message, and the GOV.UK classes on the inputs. Pages put the error summary before the h1
and switch off browser validation, so GOV.UK's messages are the only ones a user sees::

    {% include "includes/error_summary.html" with form=form %}
    <h1 class="govuk-heading-l">Add a child</h1>
    <form method="post" novalidate>
      {% csrf_token %}
      {{ form }}
      <button class="govuk-button" data-module="govuk-button">Save</button>
    </form>

base.html prefixes the page title with "Error: " when `form` (or a `has_errors` context
variable) has errors. A form sets widths or other modifiers through the widget's class, which is
kept: `forms.CharField(widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}))`. For
radios and checkboxes that class goes on the group, e.g. "govuk-radios--inline".
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape as escape_html
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt, pretty_name
from django.utils.functional import cached_property
from django.utils.safestring import SafeData, mark_safe
from django.utils.text import capfirst

from virtualschool import dates
from virtualschool.errors import DomainError
from virtualschool.lockout import locked_message

# The GOV.UK class for each widget, keyed by BoundField.widget_type, as templates/forms/govuk/
# field.html dispatches. Widgets not listed are text-like inputs.
WIDGET_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "govukselect": "govuk-select",
    "nullbooleanselect": "govuk-select",
    "selectmultiple": "govuk-select",
    "file": "govuk-file-upload",
    "clearablefile": "govuk-file-upload",
    "radioselect": "govuk-radios__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
    "checkbox": "govuk-checkboxes__input",
}
DEFAULT_WIDGET_CLASS = "govuk-input"
# Widgets that put classes on their own inputs.
SELF_STYLED_WIDGET_TYPES = {"govukdate"}
# Radios and checkboxes put the widget's own class on the group, not on each input.
GROUPED_WIDGET_TYPES = {"radioselect", "checkboxselectmultiple"}
# Classes that have an error modifier, e.g. "govuk-input--error".
CLASSES_WITH_ERROR_STATE = {"govuk-input", "govuk-textarea", "govuk-select", "govuk-file-upload"}
# GOV.UK Frontend's fixed input widths, in characters.
FIXED_INPUT_WIDTHS = (2, 3, 4, 5, 10, 20, 30)

YEAR_DIGITS = 4
# An aside at the end of a label, such as "(optional)", left out of date error messages.
TRAILING_ASIDE = re.compile(r"\s*\([^)]*\)$")

logger = logging.getLogger(__name__)


def _default_input_width(widget: forms.Widget, widget_type: str) -> str:
    """Size a text input for what it holds: numbers are short, and a known maximum length
    gets the narrowest fixed width that fits it. Anything else is full width."""
    if widget_type == "number":
        return "govuk-input--width-10"
    max_length = widget.attrs.get("maxlength")
    if max_length:
        for width in FIXED_INPUT_WIDTHS:
            if width >= int(max_length):
                return f"govuk-input--width-{width}"
    return ""


class GovukSelect(forms.Select):
    """A select that writes its options itself instead of rendering a template per option,
    for long lists (a consortium's thousand schools): the same HTML, a hundred times faster.
    Flat choices only."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        final_attrs = self.build_attrs(self.attrs, attrs)
        selected = {str(item) for item in self.format_value(value)}
        options = "".join(
            f'<option value="{_escape(option)}"{" selected" if str(option) in selected else ""}>'
            f"{_escape(label)}</option>"
            for option, label in self.choices
        )
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<select name="{_escape(name)}"{flatatt(final_attrs)}>{options}</select>'
        )


def _escape(value: object) -> str:
    """conditional_escape for the options of a long select: the standard library's escape
    (the same five characters as Django's), without Django's lazy-string wrapper per call."""
    if isinstance(value, SafeData):
        return str(value)
    return escape_html(str(value), quote=True)


@dataclass(frozen=True)
class Reveal:
    """A radio option's conditionally revealed fields (GOV.UK's conditional reveal): `fields`
    follow the option, in an element with `id`. Revealed by one option, GOV.UK Frontend's
    radios show and hide it (data-aria-controls on the input); revealed by several
    (`values`), the service's own script does (frontend/build.mjs), since GOV.UK's ties a
    reveal to one input. Without JavaScript every reveal is shown."""

    id: str
    fields: list[BoundField]
    values: tuple[str, ...] = ()
    # One of its options is chosen: shown from the start when the page has JavaScript.
    open: bool = False


def revealed_names(form: forms.Form) -> set[str]:
    """The fields of `form` shown inside a radio option's reveal (`form.reveals`: radio field
    name -> {option value: names of the fields it reveals}) rather than on their own. A field
    is revealed only while its radios are on the form (not left out for the user)."""
    return {
        name
        for radio, options in getattr(form, "reveals", {}).items()
        if radio in form.fields
        for names in options.values()
        for name in names
        if name in form.fields
    }


class GovukBoundField(BoundField):
    """A bound field that puts GOV.UK classes on its widget and knows its first input's id."""

    @property
    def is_revealed(self) -> bool:
        """Rendered inside a radio option of another field (the form's `reveals`)."""
        return self.name in revealed_names(self.form)

    def options_with_reveals(self) -> list[tuple[Any, Reveal | None]]:
        """Each radio of this field with the reveal that follows it, if any: a field revealed
        by several options follows the first of them."""
        reveals: dict[str, tuple[str, ...]] = getattr(self.form, "reveals", {}).get(self.name, {})
        by_fields: dict[tuple[str, ...], list[str]] = {}
        for value, names in reveals.items():
            shown = tuple(name for name in names if name in self.form.fields)
            if shown:
                by_fields.setdefault(shown, []).append(str(value))
        placed: set[tuple[str, ...]] = set()
        chosen = str(self.value()) if self.value() is not None else ""
        options = []
        for option in self.subwidgets:
            value = str(option.data["value"])
            reveal = None
            for names, values in by_fields.items():
                if value not in values:
                    continue
                element_id = f"conditional-{self.auto_id or self.html_name}-{values[0]}"
                if len(values) == 1:
                    option.data["attrs"]["data-aria-controls"] = element_id
                if names not in placed:
                    placed.add(names)
                    reveal = Reveal(
                        id=element_id,
                        fields=[self.form[name] for name in names],
                        values=tuple(values) if len(values) > 1 else (),
                        open=chosen in values,
                    )
            options.append((option, reveal))
        return options

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        widget_type = self.widget_type
        if widget.is_hidden or widget_type in SELF_STYLED_WIDGET_TYPES:
            return attrs
        base = WIDGET_CLASSES.get(widget_type, DEFAULT_WIDGET_CLASS)
        classes = [base]
        if self.errors and base in CLASSES_WITH_ERROR_STATE:
            classes.append(f"{base}--error")
        if widget_type not in GROUPED_WIDGET_TYPES:
            own = " ".join(filter(None, [widget.attrs.get("class"), attrs.get("class")]))
            if base == DEFAULT_WIDGET_CLASS and "width" not in own:
                own = " ".join(filter(None, [own, _default_input_width(widget, widget_type)]))
            classes.append(own)
        attrs["class"] = " ".join(filter(None, classes))
        return attrs

    @cached_property
    def first_input_id(self) -> str:
        """The id of the input the error summary links to: the first radio or checkbox of a
        group, the day of a date, otherwise the field's own input."""
        widget = self.field.widget
        id_ = widget.attrs.get("id") or self.auto_id
        if not id_:
            return ""
        if isinstance(widget, forms.MultiWidget):
            return f"{id_}_0"
        if isinstance(widget, forms.widgets.ChoiceWidget):
            return widget.id_for_label(id_, "0")
        return widget.id_for_label(id_)


class GovukFormRenderer(TemplatesSetting):
    """Renders forms and fields with templates/forms/govuk/ and GOV.UK classes.

    Widgets still render with Django's own templates (django/forms/widgets/...), which
    TemplatesSetting finds through TEMPLATES because "django.forms" is in INSTALLED_APPS.
    """

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"
    bound_field_class = GovukBoundField


def _date_part_input(width: int) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "class": f"govuk-input govuk-date-input__input govuk-input--width-{width}",
            "inputmode": "numeric",
        }
    )


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes named <name>_0, <name>_1, <name>_2."""

    template_name = "forms/govuk/widgets/date_input.html"
    part_labels = ("Day", "Month", "Year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__([_date_part_input(width) for width in (2, 2, 4)], attrs)

    def decompress(self, value: datetime.date | None) -> list[int | None]:
        if value is None:
            return [None, None, None]
        return [value.day, value.month, value.year]

    def get_context(self, name, value, attrs):
        """Label the boxes and mark the ones in error: only the empty ones when the date is
        incomplete (GOV.UK highlights just the missing part), otherwise all three."""
        context = super().get_context(name, value, attrs)
        parts = context["widget"]["subwidgets"]
        filled = [bool(str(part["value"] or "").strip()) for part in parts]
        partly_filled = any(filled) and not all(filled)
        for label, part, is_filled in zip(self.part_labels, parts, filled, strict=True):
            part["label"] = label
            if not part["attrs"].get("aria-invalid"):
                continue
            if partly_filled and is_filled:
                del part["attrs"]["aria-invalid"]
            else:
                part["attrs"]["class"] += " govuk-input--error"
        return context


def _name_in_errors(label: str, *, sentence_start: bool) -> str:
    """The label as a message uses it: without a trailing aside such as "(optional)", and
    capitalised to start a sentence or lower-cased to follow "Enter" (acronyms kept)."""
    name = TRAILING_ASIDE.sub("", label.strip()) or label
    if sentence_start:
        return capfirst(name)
    first_word = name.split(" ", 1)[0]
    if first_word.isupper() and len(first_word) > 1:
        return name
    return name[:1].lower() + name[1:]


class GovukDateField(forms.Field):
    """A calendar date entered as day, month and year, with GOV.UK's error messages.

    Messages name the field by its label ("Date of birth must include a month"; "Enter date of
    birth" when empty and required), leaving out a trailing aside such as "(optional)". Give
    it a label that reads as a noun phrase; without one it uses the form field's name. Any
    message can be replaced through error_messages; %(label)s is the name in those messages.
    """

    widget = GovukDateInput
    part_names = ("day", "month", "year")
    default_error_messages = {
        "required": "Enter %(label)s",
        "incomplete": "%(label)s must include a %(parts)s",
        "invalid": "%(label)s must be a real date",
        "year_length": "Year must include 4 numbers",
        "out_of_range": f"%(label)s {dates.OUT_OF_RANGE}",
    }

    def get_bound_field(self, form, field_name):
        if self.label is None:
            self.label = pretty_name(field_name)
        return super().get_bound_field(form, field_name)

    def _error(self, code: str, **params: str) -> ValidationError:
        label = _name_in_errors(str(self.label or "Date"), sentence_start=code != "required")
        return ValidationError(
            self.error_messages[code], code=code, params={"label": label, **params}
        )

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value is not None and not isinstance(value, list | tuple):
            raise self._error("invalid")
        parts = [str(part).strip() if part is not None else "" for part in value or ()]
        parts += [""] * (len(self.part_names) - len(parts))
        if not any(parts):
            return None
        missing = [name for name, part in zip(self.part_names, parts, strict=True) if not part]
        if missing:
            raise self._error("incomplete", parts=" and ".join(missing))
        day, month, year = parts
        if not all(part.isdigit() for part in parts):
            raise self._error("invalid")
        if len(year) != YEAR_DIGITS:
            raise self._error("year_length")
        try:
            return datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # OverflowError: a day or month of 20 digits
            raise self._error("invalid") from None

    def validate(self, value: datetime.date | None) -> None:
        """Required, and within the service's dates (virtualschool.dates): checked here, not
        in to_python, so a date the API parsed itself (records.api.forms) is checked too."""
        if value is None:
            if self.required:
                raise self._error("required")
        elif not dates.in_range(value):
            raise self._error("out_of_range")


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK-style messages that say what to do, and the lockout
    message when django-axes refused the attempt (virtualschool.lockout)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # GOV.UK pages do not move focus on load; the error summary takes it when shown.
        self.fields["username"].widget.attrs.pop("autofocus", None)

    def clean(self):
        """A refused sign-in is reported on the username, the first field, so the page shows it
        as GOV.UK's error-summary pattern does (the summary links to the field, the field is
        marked) rather than as a line above the form that belongs to no field."""
        try:
            return super().clean()
        except ValidationError as refused:
            refusal = refused
            if self.request is not None and getattr(self.request, "axes_locked_out", False):
                # The page already says why; AXES_LOCKOUT_CALLABLE keeps it.
                self.request.lockout_shown = True
                refusal = ValidationError(locked_message(), code="locked_out")
        self.add_error("username", refusal)
        return self.cleaned_data


class CodeForm(forms.Form):
    """The second step of signing in, and of setting up an authenticator app: one code.

    The form checks the code's shape (digits, of one of the lengths the step takes), so a
    mistyped code is not counted as a guess; which codes are right is
    virtualschool.two_factor's business, and its refusal is added to this field."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def __init__(
        self, *args, help_text: str = "", lengths: tuple[int, ...], format_message: str, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text
        self.lengths = lengths
        self.format_message = format_message

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]+", "", self.cleaned_data["code"])
        if not (code.isdigit() and len(code) in self.lengths):
            raise ValidationError(self.format_message, code="format")
        return code


# --- Every error at once ---------------------------------------------------------------------


class _RehearsalDoneError(Exception):
    """Raised at the end of a rehearsal to roll back what the service wrote."""


def _rejected_value(field: forms.Field) -> object:
    """What the service is given, in a rehearsal, for a field the form rejected: the value the
    field cleans an empty input to (None, "", [] or False)."""
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return []
    if isinstance(field, forms.BooleanField):
        return False
    return getattr(field, "empty_value", None)


def _refusal_beside(error: DomainError, rejected: set[str]) -> DomainError | None:
    """A service's refusal less its messages about fields the form already rejected (the form's
    message says what is wrong with what was typed; the service's would only say it is
    missing)."""
    if not hasattr(error, "error_dict"):
        return error
    kept = {
        name: messages
        for name, messages in error.message_dict.items()
        if name == NON_FIELD_ERRORS or name not in rejected
    }
    return DomainError(kept) if kept else None


def show_on_form(form: forms.Form, error: DomainError) -> None:
    form.add_error(None, error)


def submit(
    form: forms.Form,
    service: Callable[..., Any],
    *,
    show: Callable[[forms.Form, DomainError], None] = show_on_form,
    **arguments: Any,
) -> Any:
    """Check a posted form and the service's rules in one round, so every error shows on the
    first submit; return what the service returned, or None when anything was refused.

    A valid form calls `service(**arguments, **form.cleaned_data)`; its refusal (DomainError)
    is shown on the form by `show`. An invalid form is not saved, but the service is still
    rehearsed: called in a savepoint that is always rolled back, with the form's valid values
    and each rejected field's empty value, so its rules about the fields the form accepted
    are reported beside the form's own messages. (Before this, a form's shape errors hid the
    service's: the suspension form said "choose up to 3 reasons" only once the school and
    date were right.) What a rehearsal writes is undone with the savepoint, including its
    audit entries and any transaction.on_commit callback; a service must not act outside the
    database before its transaction commits. The form's messages about a field win over the
    service's about the same field.
    """
    if form.is_valid():
        try:
            return service(**arguments, **form.cleaned_data)
        except DomainError as error:
            show(form, error)
            return None
    rejected = set(form.errors)
    values = {
        name: form.cleaned_data[name] if name in form.cleaned_data else _rejected_value(field)
        for name, field in form.fields.items()
    }
    try:
        with transaction.atomic():
            service(**arguments, **values)
            raise _RehearsalDoneError
    except _RehearsalDoneError:
        pass
    except (TypeError, ValueError, AttributeError):
        # A rule that cannot be judged without a value the form rejected: the form's own
        # message about that field stands alone, as it did before rehearsals.
        logger.debug("rehearsal of %s stopped at a rejected value", service, exc_info=True)
    except DomainError as error:
        refusal = _refusal_beside(error, rejected)
        if refusal is not None:
            show(form, refusal)
    return None
