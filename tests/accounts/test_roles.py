"""The roles get exactly the permissions declared for them, and a misspelt one fails loudly."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.roles import ROLE_PERMISSIONS, Role, UnknownPermission, sync_role_permissions

pytestmark = pytest.mark.django_db


def test_each_role_gets_exactly_its_declared_permissions():
    sync_role_permissions()
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        granted = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(codenames), role


def test_an_unknown_permission_fails_the_sync_and_changes_nothing(monkeypatch):
    sync_role_permissions()
    clerk_group = Group.objects.get(name=Role.CUSTOMER_SERVICE.value)
    before = set(clerk_group.permissions.all())
    broken = {role: set(codenames) for role, codenames in ROLE_PERMISSIONS.items()}
    broken[Role.CUSTOMER_SERVICE] -= {"customers.view_customer"}
    broken[Role.CUSTOMER_SERVICE] |= {"customers.veiw_customer", "consents.edit_restricted"}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", broken)

    with pytest.raises(
        UnknownPermission, match="consents.edit_restricted, customers.veiw_customer"
    ):
        sync_role_permissions()

    assert set(clerk_group.permissions.all()) == before
