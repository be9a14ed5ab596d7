"""Moving restrictions from consents to privacy keeps every row and its change history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import make_user
from tests.customers.factories import CustomerFactory

BEFORE = [("consents", "0004_restriction_release_index_name"), ("privacy", "0003_erasure_record")]
AFTER = [("consents", "0005_restriction_moved_to_privacy"), ("privacy", "0004_restriction")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture(autouse=True)
def latest_schema_afterwards():
    """Leave the test database at the latest migrations (AFTER is not the last of privacy's),
    so the tests that run next find every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_restriction_and_its_history():
    officer = make_user("officer", None)
    kept, lifted = CustomerFactory(), CustomerFactory()
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for customer, reason in [(kept, "Oikaisupyyntö"), (lifted, "Kiista")]:
                cursor.execute(
                    "INSERT INTO consents_restriction "
                    "(customer_id, reason, set_at, set_by_id, lift_reason) "
                    "VALUES (%s, %s, now(), %s, '')",
                    [customer.pk, reason, officer.pk],
                )
            cursor.execute(
                "UPDATE consents_restriction SET lifted_at = now(), lifted_by_id = %s, "
                "lift_reason = 'Ratkaistu' WHERE customer_id = %s",
                [officer.pk, lifted.pk],
            )
        restrictions = rows(
            "SELECT id, customer_id, reason, lifted_at IS NOT NULL, lift_reason "
            "FROM consents_restriction ORDER BY id"
        )
        history = rows(
            "SELECT pgh_id, pgh_label, pgh_obj_id, reason FROM consents_restrictionevent "
            "ORDER BY pgh_id"
        )
        assert len(restrictions) == 2 and len(history) == 3
    finally:
        migrate(AFTER)

    assert (
        rows(
            "SELECT id, customer_id, reason, lifted_at IS NOT NULL, lift_reason "
            "FROM privacy_restriction ORDER BY id"
        )
        == restrictions
    )
    # The history came along and the copy added none of its own.
    assert (
        rows(
            "SELECT pgh_id, pgh_label, pgh_obj_id, reason FROM privacy_restrictionevent "
            "ORDER BY pgh_id"
        )
        == history
    )
    assert rows("SELECT to_regclass('consents_restriction')") == [(None,)]

    # The tracked table works on: a new restriction gets the next id and its own history.
    from privacy.models import Restriction

    new = Restriction.objects.create(customer=CustomerFactory(), reason="Uusi", set_by=officer)
    assert new.pk == restrictions[-1][0] + 1
    assert Restriction.pgh_event_model.objects.filter(pgh_obj_id=new.pk).count() == 1
