from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import ApiClient, Scope
from consents.models import AnalyticsConsent
from feedback.models import (
    Feedback,
    FeedbackChannel,
    InvitationStatus,
    SurveyInvitation,
    Topic,
    WebsiteVisit,
)
from tests.customers.factories import CustomerFactory


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    customer = factory.SubFactory(CustomerFactory)
    channel = FeedbackChannel.WEB_FORM
    topic = Topic.CUSTOMER_SERVICE
    text = "Ajanvaraus sujui hyvin, kiitos."
    rating = 4
    received_at = factory.LazyFunction(timezone.now)


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    """A sent invitation, waiting for its answer."""

    class Meta:
        model = SurveyInvitation

    customer = factory.SubFactory(CustomerFactory)
    phone = factory.LazyAttribute(lambda o: o.customer.phone if o.customer else "+358401112222")
    status = InvitationStatus.SENT
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=7))
    sent_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(seconds=3))
    gateway_message_id = factory.Sequence(lambda n: f"gw-{n}")
    attempts = 1


def _website() -> ApiClient:
    client = ApiClient.objects.filter(name="Verkkosivut (tehdas)").first()
    if client is None:
        client, _token = ApiClient.issue(name="Verkkosivut (tehdas)", scopes=[Scope.VISITS])
    return client


class AnalyticsConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnalyticsConsent

    visitor_id = factory.LazyFunction(uuid.uuid4)
    banner_version = "2026-11"
    given_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    given_through = factory.LazyFunction(_website)


class WebsiteVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebsiteVisit

    consent = factory.SubFactory(AnalyticsConsentFactory)

    visited_at = factory.LazyFunction(timezone.now)
    ip_address = factory.Sequence(lambda n: f"192.0.2.{n % 250 + 1}")
    language = "fi-FI"
    browser = "Firefox"
    screen_resolution = "1920x1080"
    received_from = factory.LazyFunction(_website)
