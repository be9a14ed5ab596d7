from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from customers.models import (
    Company,
    ContactRole,
    Customer,
    CustomerGroup,
    Insurance,
    OccupationalHealthContract,
    OccupationalHealthCoverage,
    ServiceUse,
)

_ASCII = str.maketrans("äöå", "aoa")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name", locale="fi_FI")
    last_name = factory.Faker("last_name", locale="fi_FI")
    street_address = factory.Faker("street_address", locale="fi_FI")
    postal_code = factory.Sequence(lambda n: f"{80100 + n % 800:05d}")
    city = "Joensuu"
    email = factory.LazyAttributeSequence(
        lambda c, n: f"{c.first_name}.{c.last_name}{n}@example.fi".lower().translate(_ASCII)
    )
    phone = factory.Sequence(lambda n: f"+35840{1000000 + n}")


# Real-looking Y-tunnus values (checksum verified in tests/customers/test_validation.py).
BUSINESS_IDS = ["1769016-7", "0112038-9", "2331972-7", "0201256-6", "1572860-0", "0737546-2"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id(n: int) -> str:
    """Return the n-th valid Y-tunnus of a series no test spells out by hand."""
    candidate = 3000000 + 10 * n  # a block of ten numbers each, so series never collide
    while True:
        digits = f"{candidate:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        candidate += 1  # no check digit makes this one valid; take the next


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Testiyhtiö {n} Oy")
    business_id = factory.Sequence(business_id)


class ContactRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactRole

    customer = factory.SubFactory(CustomerFactory)
    company = factory.SubFactory(CompanyFactory)
    title = "Henkilöstöpäällikkö"
    started_on = date(2024, 1, 1)


class ServiceUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceUse

    customer = factory.SubFactory(CustomerFactory)
    service = "Työterveyslääkärin vastaanotto"
    date = date(2026, 10, 1)
    price = Decimal("92.00")


class InsuranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Insurance

    customer = factory.SubFactory(CustomerFactory)
    insurer = "LähiTapiola"
    policy_reference = factory.Sequence(lambda n: f"POL{n:06d}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OccupationalHealthContract

    company = factory.SubFactory(CompanyFactory)
    contract_number = factory.Sequence(lambda n: f"TTS-{n}")
    starts_on = date(2024, 1, 1)


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OccupationalHealthCoverage

    customer = factory.SubFactory(CustomerFactory)
    contract = factory.SubFactory(ContractFactory)
    starts_on = date(2024, 1, 1)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerGroup

    name = factory.Sequence(lambda n: f"Ryhmä {n}")
