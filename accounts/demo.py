"""Demo staff accounts for `make run`: one per role, each with a TOTP device.

Only for development: the command that loads them refuses to run unless DEBUG is on. Each
device gets a random key when the account is created, printed once then; nobody can derive it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.utils.module_loading import autodiscover_modules
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.roles import Role

DEMO_PASSWORD = "Demo-salasana-2026"  # noqa: S105 (a published demo password, development only)

DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("asiakaspalvelu", "Aino", "Asikainen", Role.CUSTOMER_SERVICE),
    ("esihenkilo", "Eero", "Heikkinen", Role.SUPERVISOR),
    ("tietosuoja", "Tiina", "Suominen", Role.PRIVACY_OFFICER),
    ("markkinointi", "Markus", "Kinnunen", Role.MARKETING),
]


def base32_secret(hex_key: str) -> str:
    """The key as an authenticator app wants it typed in."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def current_code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, name="default")
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def load_demo_staff() -> list[tuple[User, str | None]]:
    """Create the demo accounts that are missing; return each account with its new TOTP
    secret (base32), or None for one that already existed (its secret was printed then)."""
    users = []
    for username, first_name, last_name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@pkterveys.example",
                "is_staff": role == Role.PRIVACY_OFFICER,
            },
        )
        secret = None
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
            key = default_key()  # 20 random bytes from the system's secure source
            TOTPDevice.objects.create(user=user, name="default", key=key, confirmed=True)
            secret = base32_secret(key)
        users.append((user, secret))
    return users


@dataclass(frozen=True)
class DemoLoader:
    """One app's demo data, registered from its own `demo` module (accounts does not know the
    apps above it). Loaders run in `order` after the demo staff."""

    order: int
    load: Callable[[], int]
    # This loader invents the people; the others only add to people invented just now.
    adds_people: bool = False


_LOADERS: list[DemoLoader] = []


def register_demo_loader(loader: DemoLoader) -> None:
    if loader not in _LOADERS:
        _LOADERS.append(loader)


def load_demo_data() -> tuple[int, list[tuple[User, str | None]]]:
    """Load the demo staff, then every app's demo data; return how many people were invented
    (0 when the register was already there: then nothing else is added), and the staff with
    the TOTP secrets of the accounts created just now (load_demo_staff)."""
    autodiscover_modules("demo")
    staff = load_demo_staff()
    people = 0
    for loader in sorted(_LOADERS, key=lambda loader: loader.order):
        if loader.adds_people:
            people = loader.load()
        elif people:
            loader.load()
    return people, staff
