"""Every retention policy deletes oldest first, in batches ordered by its age field: the field
must lead an index, or each batch scans the whole table (the access log and the change history
reach tens of millions of rows; bench/logs.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from privacy.declarations import policies


def indexed_first_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c["index"] and c["columns"]}


@pytest.mark.parametrize("policy", list(policies), ids=lambda p: p.name)
def test_the_age_field_of_every_retention_policy_leads_an_index(db, policy):
    model = policy.model_class
    column = model._meta.get_field(policy.age_field).column
    assert column in indexed_first_columns(model._meta.db_table)
