"""Contract 1: every model of every installed app, ours and third-party, is declared: with
personal data, as a trail of other rows, or without personal data."""

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
    "notice",
}


def installed_models():
    """Every model with a table of its own, of every installed app."""
    for model in apps.get_models():
        # Change-history event models inherit their tracked model's declaration; proxies and
        # views (pghistory's Events) have no rows of their own.
        if issubclass(model, Event) or model._meta.proxy or not model._meta.managed:
            continue
        yield model


@pytest.mark.parametrize("model", list(installed_models()), ids=lambda m: m._meta.label)
def test_every_installed_model_is_declared(model):
    assert registry.is_declared(model), (
        f"{model._meta.label} is not declared: declare(PersonalData(...)) in its app's "
        "personal_data.py if it holds personal data (a third-party app's model in the "
        "personal_data.py of the project app closest to it: accounts for sign-in, audit for "
        "trails), trail(...) if its rows are about other rows, not_personal(...) if not."
    )


def test_third_party_models_are_covered_too():
    covered = {m._meta.app_label for m in installed_models()}
    assert {"admin", "sessions", "axes", "otp_totp", "pghistory", "auth"} <= covered
    assert not {m._meta.label for m in installed_models() if not registry.is_declared(m)}


def test_every_declared_model_exists():
    labels = {m._meta.label_lower for m in apps.get_models()}
    declared = set(registry.personal) | set(registry.trails) | set(registry.not_personal_reasons)
    assert declared <= labels


def test_every_free_text_field_the_erasure_keeps_is_declared_not_personal_with_a_reason():
    """Rows erasure keeps (Anonymise) lose every free-text field unless the declaration says
    why one holds nothing personal; a field named there must exist and be free text."""
    from privacy.declarations import Anonymise, is_free_text

    for declaration in registry.declarations():
        opts = declaration.model_class._meta
        for name, reason in declaration.not_personal_fields.items():
            assert is_free_text(opts.get_field(name)) and reason, (declaration.model, name)
        if isinstance(declaration.erasure, Anonymise):
            erased = {f.name for f in declaration.erased_fields()}
            for target in opts.concrete_fields:
                if is_free_text(target):
                    assert target.name in erased or target.name in declaration.not_personal_fields


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
