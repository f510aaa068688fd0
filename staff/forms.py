"""The staff pages' forms: shape of input only; staff.services holds the rules."""

from __future__ import annotations

from django import forms

from virtualschool.roles import STAFF_ROLES, Role

ROLE_CHOICES = [(role.value, role.value) for role in STAFF_ROLES]
SENSITIVE_LABEL = "Can see sensitive information"
SENSITIVE_HINT = (
    "Health, safeguarding, family and criminal information, for caseworkers only: managers "
    "see it through their role"
)


class RoleField(forms.TypedChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=ROLE_CHOICES,
            coerce=Role,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose a role",
                "invalid_choice": "Choose a role: Caseworker, Manager or Admin",
            },
            **kwargs,
        )


class PersonForm(forms.Form):
    """A new account's person: username, name and email, for staff and recipient users alike
    (sharing's MemberAddForm). `username_hint` says what the username is to this kind of user."""

    username_hint = "What they type to sign in"

    username = forms.CharField(
        max_length=150,
        error_messages={"required": "Enter a username"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter their last name"}
    )
    email = forms.CharField(
        label="Email address (optional)",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = self.username_hint


class StaffAddForm(PersonForm):
    username_hint = "What they type to sign in, for example their council login name"

    role = RoleField(label="Role")
    sensitive = forms.BooleanField(label=SENSITIVE_LABEL, help_text=SENSITIVE_HINT, required=False)


class StaffRoleForm(forms.Form):
    role = RoleField(label="Role")
    sensitive = forms.BooleanField(label=SENSITIVE_LABEL, help_text=SENSITIVE_HINT, required=False)


class ActionForm(forms.Form):
    """A button on a person's page: no fields, only somewhere to show a refusal."""
