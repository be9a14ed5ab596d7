"""Contract 1: every model of ours is declared, with or without personal data."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from pghistory.models import Event

from privacy.declarations import (
    Basis,
    PersonalData,
    Purpose,
    Source,
    registry,
)

PROJECT_APPS = {
    "accounts",
    "audit",
    "privacy",
    "customers",
    "consents",
    "feedback",
    "calls",
    "dsar",
    "breaches",
}


def project_models():
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            # Change-history event models inherit their tracked model's declaration.
            if issubclass(model, Event):
                continue
            yield model


@pytest.mark.parametrize("model", list(project_models()), ids=lambda m: m._meta.label)
def test_every_project_model_is_declared(model):
    assert registry.is_declared(model), (
        f"{model._meta.label} is not declared in {model._meta.app_label}/personal_data.py: "
        "declare(PersonalData(...)) if it holds personal data, not_personal(...) if not."
    )


def test_every_declaration_names_a_real_model_and_a_working_path_to_the_person():
    customer_model = apps.get_model("customers", "Customer")
    for declaration in registry.declarations():
        model = declaration.model_class
        # The filter must compile; an unknown field raises FieldError.
        str(model.objects.filter(**declaration.subject_filter(1)).query)
        if not declaration.subject_path:
            assert model is customer_model


def test_no_processing_rests_on_legitimate_interest():
    assert "legitimate_interest" not in Basis.values
    for declaration in registry.declarations():
        assert declaration.basis in Basis.values


def test_a_declaration_without_purpose_or_source_is_refused():
    with pytest.raises(ValueError):
        PersonalData(
            model="customers.Customer",
            category="basic",
            purposes=(),
            basis=Basis.CONTRACT,
            sources=(Source.STAFF,),
            subject_path="",
            retention="x",
            erasure=None,
        )
    with pytest.raises(ValueError):
        PersonalData(
            model="customers.Customer",
            category="basic",
            purposes=(Purpose.CUSTOMER_CONTACT,),
            basis=Basis.CONTRACT,
            sources=(),
            subject_path="",
            retention="x",
            erasure=None,
        )


def test_a_model_cannot_be_declared_twice():
    with pytest.raises(ValueError):
        registry.declare_not_personal("customers.Customer", reason="twice")


def test_every_project_app_is_installed():
    assert {app.split(".")[0] for app in settings.INSTALLED_APPS} >= PROJECT_APPS
