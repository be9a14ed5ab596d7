"""The change history is captured by PostgreSQL triggers, so nothing slips past it."""

from __future__ import annotations

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction

from customers.models import Customer
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def events_for(customer: Customer):
    return pghistory.models.Events.objects.tracks(customer).order_by("pgh_created_at", "pgh_id")


def test_queryset_update_is_captured_with_the_acting_user(clerk):
    customer = CustomerFactory(last_name="Virtanen")
    with pghistory.context(user=clerk.pk):
        Customer.objects.filter(pk=customer.pk).update(last_name="Korhonen")
    update = events_for(customer).filter(pgh_label="update").get()
    assert update.pgh_diff == {"last_name": ["Virtanen", "Korhonen"]}
    assert update.pgh_context["user"] == clerk.pk


def test_bulk_create_is_captured(db):
    Customer.objects.bulk_create(
        [
            Customer(customer_number=f"90000{i}", first_name="Aila", last_name=f"Testi{i}")
            for i in range(3)
        ]
    )
    assert (
        pghistory.models.Events.objects.filter(
            pgh_obj_model="customers.Customer", pgh_label="insert"
        ).count()
        == 3
    )


def test_raw_sql_update_is_captured(db):
    customer = CustomerFactory(first_name="Matti")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET first_name = 'Pekka' WHERE id = %s", [customer.pk]
        )
    assert events_for(customer).filter(pgh_label="update").get().pgh_diff == {
        "first_name": ["Matti", "Pekka"]
    }


def test_delete_is_captured(db):
    customer = CustomerFactory()
    pk = customer.pk
    customer.delete()
    assert pghistory.models.Events.objects.filter(
        pgh_obj_model="customers.Customer", pgh_obj_id=str(pk), pgh_label="delete"
    ).exists()


def test_history_rows_refuse_update_and_delete(db):
    customer = CustomerFactory()
    (event_model,) = pghistory.core.event_models(tracks_model=Customer)
    event_table = event_model._meta.db_table
    for statement in (
        f"UPDATE {event_table} SET first_name = 'x'",  # noqa: S608
        f"DELETE FROM {event_table}",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert events_for(customer).count() == 1


def test_every_personal_data_model_has_change_history():
    from privacy.declarations import registry

    for declaration in registry.declarations():
        tracked = pghistory.core.event_models(tracks_model=declaration.model_class)
        if not declaration.history:
            # An explicit, documented exemption: the rows are never changed.
            assert declaration.history_reason, declaration.model
            assert not tracked, f"{declaration.model} is tracked but declared without history"
            continue
        assert tracked, f"{declaration.model} holds personal data but has no change history"


def test_a_declaration_without_history_must_say_why():
    from privacy.declarations import Basis, Category, Delete, PersonalData, Purpose, Source

    with pytest.raises(ValueError):
        PersonalData(
            model="feedback.WebsiteVisit",
            category=Category.WEBSITE_USE,
            purposes=(Purpose.ANALYSIS,),
            basis=Basis.CONSENT,
            sources=(Source.WEBSITE,),
            subject_path="customer",
            retention="while_relationship",
            erasure=Delete(),
            history=False,
        )
