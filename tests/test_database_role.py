"""The application's database role: no superuser, no owner, only the grants its work needs, so
the append-only triggers bind the application itself (issue 15, item 6).

Runs the very SQL docker-compose runs (deploy/postgres/app-role.psql) against the test
database, inside the test's transaction (a role created there goes with the rollback).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pghistory.models
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from tests.customers.factories import CustomerFactory

SQL = Path(__file__).resolve().parent.parent / "deploy" / "postgres" / "app-role.psql"


def psql_statements(variables: dict[str, str]) -> list[str]:
    """The file's statements with psql's :"name" and :'name' variables filled in."""
    text = "\n".join(
        line for line in SQL.read_text().splitlines() if not line.lstrip().startswith("--")
    )
    quote_name = connection.ops.quote_name

    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    text = re.sub(r':"(\w+)"', lambda m: quote_name(variables[m[1]]), text)
    text = re.sub(r":'(\w+)'", lambda m: literal(variables[m[1]]), text)
    return [statement.strip() for statement in text.split(";") if statement.strip()]


@pytest.fixture
def app_role(db) -> str:
    """Create the application's role with the deployment's SQL; return its name."""
    name = f"pkregister_app_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        for statement in psql_statements(
            {
                "app_role": name,
                "app_password": secrets.token_urlsafe(16),
                "owner_role": owner,
                "app_db": database,
            }
        ):
            cursor.execute(statement)
    return name


def as_role(role: str, sql: str, params: list | None = None) -> None:
    """Run one statement as the role, in a savepoint so a refusal leaves the test going."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(sql, params or [])


def history_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    )


def has_rows(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
        return cursor.fetchone()[0]


def protected_tables() -> list[str]:
    return [AccessLogEntry._meta.db_table, *history_tables()]


def test_the_role_is_no_superuser_and_owns_nothing(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            [app_role],
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tableowner = %s", [app_role])
        assert cursor.fetchone() == (0,)


def test_the_role_does_the_applications_work(app_role, clerk):
    customer = CustomerFactory()
    as_role(app_role, "SELECT count(*) FROM customers_customer")
    as_role(app_role, "UPDATE customers_customer SET city = 'Lieksa' WHERE id = %s", [customer.pk])
    as_role(
        app_role,
        "INSERT INTO audit_accesslogentry (at, user_id, action, purpose, subject_type_id, "
        "subject_id) SELECT now(), %s, %s, %s, id, %s FROM django_content_type "
        "WHERE app_label = 'customers' AND model = 'customer'",
        [clerk.pk, AccessAction.VIEW, AccessPurpose.CUSTOMER_SERVICE, customer.pk],
    )
    assert AccessLogEntry.objects.about(customer).count() == 1
    # Retention's fast path may switch the session to replica mode (PostgreSQL 15+).
    as_role(app_role, "SET LOCAL session_replication_role = replica")


@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_the_role_cannot_change_the_access_log_or_the_history(app_role, statement, clerk):
    customer = CustomerFactory()  # a history row at least
    AccessLogEntry.record(
        actor=clerk,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    # Row triggers refuse rows, so the tables that hold some: the access log and the history of
    # the person just created, at least.
    tables = [table for table in protected_tables() if has_rows(table)]
    assert AccessLogEntry._meta.db_table in tables
    assert set(tables) & set(history_tables())
    for table in tables:
        with pytest.raises(DatabaseError, match="Cannot update or delete"):
            as_role(app_role, statement.format(table=connection.ops.quote_name(table)))


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE {table} DISABLE TRIGGER USER",
        "DROP TABLE {table}",
        "TRUNCATE {table}",
    ],
)
def test_the_role_cannot_lift_the_triggers_or_drop_the_rows(app_role, statement):
    for table in protected_tables():
        with pytest.raises(DatabaseError, match="must be owner|permission denied"):
            as_role(app_role, statement.format(table=connection.ops.quote_name(table)))


def test_a_superuser_could_lift_them_which_is_why_the_app_is_not_one(db):
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        transaction.set_rollback(True)
