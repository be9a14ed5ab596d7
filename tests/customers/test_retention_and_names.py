from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pghistory
import pytest
from django.core.management import call_command

from customers.models import ContactRole, Customer, KnownName
from tests.customers.factories import ContactRoleFactory, CustomerFactory, ServiceUseFactory

pytestmark = pytest.mark.django_db


def run_policy() -> None:
    call_command(
        "enforce_retention", "--policy", "ended-contact-roles", stdout=StringIO(), stderr=StringIO()
    )


def test_an_ended_role_is_removed_twelve_months_after_it_ended(time_machine, settings):
    assert settings.CONTACT_ROLE_RETENTION_DAYS == 365
    time_machine.move_to("2026-11-25 12:00:00+02:00", tick=False)
    today = date(2026, 11, 25)
    gone = ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=today - timedelta(days=366))
    kept = ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=today - timedelta(days=364))
    current = ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=None)
    ServiceUseFactory(customer=gone.customer)  # another reason to be in the register
    run_policy()
    remaining = set(ContactRole.objects.values_list("pk", flat=True))
    assert gone.pk not in remaining
    assert {kept.pk, current.pk} <= remaining
    # The person stays (a service used keeps them; tests/customers/test_contact_person_erasure.py
    # has the person the role was the last reason for), and the removed role's history is gone
    # with it (contract 3).
    assert Customer.objects.filter(pk=gone.customer_id).exists()
    assert not pghistory.models.Events.objects.filter(
        pgh_obj_model="customers.ContactRole", pgh_obj_id=str(gone.pk)
    ).exists()


def test_known_names_follow_the_register():
    person = CustomerFactory(first_name="Ilmatar", last_name="Kalevanpoika")
    assert set(KnownName.objects.values_list("name", flat=True)) >= {"Ilmatar", "Kalevanpoika"}
    Customer.objects.filter(pk=person.pk).update(last_name="Väinämöinen")
    names = set(KnownName.objects.values_list("name", flat=True))
    assert "Väinämöinen" in names and "Kalevanpoika" not in names
    Customer.objects.filter(pk=person.pk).delete()
    assert not KnownName.objects.filter(name__in=["Ilmatar", "Väinämöinen"]).exists()


def test_a_shared_name_stays_while_someone_bears_it():
    first = CustomerFactory(last_name="Pohjola")
    CustomerFactory(last_name="Pohjola")
    first.delete()
    assert KnownName.objects.filter(name="Pohjola").exists()


def test_prune_removes_names_left_by_deletes_with_triggers_off():
    from django.db import connection

    CustomerFactory(first_name="Louhi", last_name="Pohjolan")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM customers_customer WHERE first_name = 'Louhi'")
        cursor.execute("SET session_replication_role = DEFAULT")
    assert KnownName.objects.filter(name="Louhi").exists()
    from customers.tasks import prune_known_names

    assert prune_known_names() == {"removed": 2, "added": 0}
    assert not KnownName.objects.filter(name__in=["Louhi", "Pohjolan"]).exists()


def test_names_written_with_triggers_off_become_searchable_after_the_daily_job():
    from django.db import connection

    from customers.search import search_customers
    from customers.tasks import prune_known_names

    person = CustomerFactory(first_name="Aino", last_name="Tapiola")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE customers_customer SET last_name = 'Ukonvaaja' WHERE id = %s", [person.pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    assert search_customers("ukonvaa").count == 0
    assert prune_known_names() == {"removed": 1, "added": 1}  # Tapiola out, Ukonvaaja in
    assert [p.pk for p in search_customers("ukonvaa").page.object_list] == [person.pk]
