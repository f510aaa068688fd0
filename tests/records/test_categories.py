"""Every personal-data field declares its data category (DESIGN.md, 'One registry').

These look at the project's models with a foreign key to Child; test_datamap_complete.py
extends them to every table of the database (PostgreSQL's catalogue) and every data map entry.
"""

import pytest
from django.apps import apps

from records.categories import SENSITIVE_CATEGORIES, DataCategory, declare, declared_models
from records.models import Child

PROJECT_APPS = {"records", "sharing", "retention", "virtualschool"}


def _holds_child_data(model) -> bool:
    if model is Child:
        return True
    return any(
        field.is_relation
        and field.related_model is Child
        and (field.many_to_one or field.one_to_one)
        and field.concrete
        for field in model._meta.get_fields()
    )


# Guardian's grant tables link a child to a user; they hold no personal data of the child's.
NOT_CHILD_DATA = {"ChildUserObjectPermission", "ChildGroupObjectPermission"}


def _models_holding_child_data():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and _holds_child_data(model)
        and model.__name__ not in NOT_CHILD_DATA
    ]


def test_there_are_models_to_check():
    assert Child in _models_holding_child_data()
    from records.models import Characteristics, Note

    assert {Characteristics, Note} <= set(_models_holding_child_data())
    assert len(_models_holding_child_data()) >= 19


@pytest.mark.parametrize("model", _models_holding_child_data(), ids=lambda m: m.__name__)
def test_every_field_is_declared_exactly_once(model):
    declaration = getattr(model, "data_categories", None)
    assert declaration is not None, f"{model.__name__} declares no data categories"
    concrete = {field.name for field in model._meta.concrete_fields}
    undeclared = concrete - declaration.declared
    assert not undeclared, f"{model.__name__}: declare the category of {sorted(undeclared)}"
    unknown = declaration.declared - concrete
    assert not unknown, f"{model.__name__}: declares fields it does not have: {sorted(unknown)}"


def test_declared_models_are_found_by_the_registry():
    assert set(_models_holding_child_data()) <= set(declared_models())


def test_a_field_cannot_be_in_two_categories():
    with pytest.raises(ValueError, match="two data categories"):
        declare(identity=["name"], contact=["name"])


def test_a_field_cannot_be_personal_and_not_personal():
    with pytest.raises(ValueError, match="both personal and not personal"):
        declare(identity=["name"], not_personal=["name"])


def test_sensitive_categories_are_the_four_the_design_names():
    assert {
        DataCategory.HEALTH,
        DataCategory.SAFEGUARDING,
        DataCategory.CRIMINAL,
        DataCategory.FAMILY,
    } == SENSITIVE_CATEGORIES


def test_identity_fields_of_child():
    assert set(Child.data_categories.fields_in(DataCategory.IDENTITY)) == {
        "first_name",
        "last_name",
        "date_of_birth",
        "gender",
        "upn",
        "upn_unknown",
        "former_upns",
        "la_child_id",
        "upn_needs_checking",
        "date_of_death",
    }
