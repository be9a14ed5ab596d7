from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from breaches.models import Breach, Kind, Nature


class BreachFactory(factory.django.DjangoModelFactory):
    """A breach recorded straight into the table (tests of services record through them)."""

    class Meta:
        model = Breach

    reference = factory.Sequence(lambda n: f"TSL-2026-{n + 1:04d}")
    became_aware_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    description = "Asiakaspalvelun tunnuksella katseltiin asiakastietoja ilman syytä."
    kind = Kind.CONFIDENTIALITY
    nature = Nature.ACCESS
    consequences = "Tietoja voidaan käyttää huijausyrityksiin."
    measures_taken = "Tunnus suljettiin ja salasanat vaihdettiin."
    created_by = factory.SubFactory("tests.breaches.factories.UserFactory")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
