"""Demo staff accounts for `make run`: one per role, each with a TOTP device.

Only for development: the command that loads them refuses to run in production.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.utils.module_loading import autodiscover_modules
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role

DEMO_PASSWORD = "Demo-salasana-2026"  # noqa: S105 (a published demo password, development only)

DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("asiakaspalvelu", "Aino", "Asikainen", Role.CUSTOMER_SERVICE),
    ("esihenkilo", "Eero", "Heikkinen", Role.SUPERVISOR),
    ("tietosuoja", "Tiina", "Suominen", Role.PRIVACY_OFFICER),
    ("markkinointi", "Markus", "Kinnunen", Role.MARKETING),
]


def demo_key(username: str) -> str:
    """A stable TOTP key per demo user, so the printed secret stays valid across resets."""
    return hashlib.sha256(f"pkregister-demo:{username}".encode()).hexdigest()[:40]


def base32_secret(hex_key: str) -> str:
    """The key as an authenticator app wants it typed in."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def current_code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, name="default")
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):0{device.digits}d}"


def load_demo_staff() -> list[User]:
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
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
            TOTPDevice.objects.create(
                user=user, name="default", key=demo_key(username), confirmed=True
            )
        users.append(user)
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


def load_demo_data() -> int:
    """Load the demo staff, then every app's demo data; return how many people were invented
    (0 when the register was already there: then nothing else is added)."""
    autodiscover_modules("demo")
    load_demo_staff()
    people = 0
    for loader in sorted(_LOADERS, key=lambda loader: loader.order):
        if loader.adds_people:
            people = loader.load()
        elif people:
            loader.load()
    return people
