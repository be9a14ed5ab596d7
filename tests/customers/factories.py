from __future__ import annotations

import factory

from customers.models import Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name", locale="fi_FI")
    last_name = factory.Faker("last_name", locale="fi_FI")
    email = factory.LazyAttribute(
        lambda c: (
            f"{c.first_name}.{c.last_name}@example.fi".lower().replace("ä", "a").replace("ö", "o")
        )
    )
    phone = factory.Sequence(lambda n: f"+35840{1000000 + n}")
