"""The one error type services raise when a rule refuses a change."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A business rule refused the change; nothing was saved.

    Raised with a dict of field name -> message(s) where the rule concerns a field, so a form
    can show each message next to its field (`form.add_error(None, error)`), and an API can
    return them keyed the same way.
    """
