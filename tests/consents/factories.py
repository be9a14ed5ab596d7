from __future__ import annotations

from datetime import date

import factory

from consents.models import Recipient, RecipientKind


class RecipientFactory(factory.django.DjangoModelFactory):
    """A processor (service partner) in Finland with a data-processing agreement."""

    class Meta:
        model = Recipient

    name = factory.Sequence(lambda n: f"Postituskumppani {n} Oy")
    kind = RecipientKind.PROCESSOR
    service = "Sähköpostimarkkinoinnin lähetys"
    dpa_signed_on = date(2025, 3, 1)
    country = "FI"


class AuthorityFactory(RecipientFactory):
    name = factory.Sequence(lambda n: f"Viranomainen {n}")
    kind = RecipientKind.AUTHORITY
    service = ""
    dpa_signed_on = None
