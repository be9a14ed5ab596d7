"""Invented but believable Finnish feedback for `make run`. Nobody here is a real person."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from accounts.demo import DemoLoader, register_demo_loader
from customers.models import Customer
from feedback.models import Feedback, FeedbackChannel, FeedbackStatus, Topic

# (topic, rating, text, response when handled)
SAMPLES = [
    (Topic.CUSTOMER_SERVICE, 5, "Sain heti ajan ja asiakaspalvelija oli todella ystävällinen.", ""),
    (
        Topic.CUSTOMER_SERVICE,
        2,
        "Jonotin puhelimessa yli 20 minuuttia ennen kuin pääsin läpi.",
        "Pahoittelimme jonotusaikaa puhelimitse. Aamupäivien ruuhkaan on lisätty yksi henkilö.",
    ),
    (
        Topic.APPOINTMENTS,
        4,
        "Ajanvaraus verkossa toimi hyvin, mutta vahvistusviesti tuli myöhään.",
        "",
    ),
    (
        Topic.APPOINTMENTS,
        1,
        "Aikani peruttiin samana aamuna eikä uutta aikaa tarjottu.",
        "Soitettu asiakkaalle ja varattu uusi aika seuraavalle päivälle.",
    ),
    (Topic.OCCUPATIONAL_HEALTH, 5, "Työterveyshoitaja perehtyi asiaani huolella. Kiitos!", ""),
    (
        Topic.OCCUPATIONAL_HEALTH,
        3,
        "Terveystarkastus oli asiallinen, odotusaika vastaanotolla pitkä.",
        "",
    ),
    (
        Topic.BILLING,
        2,
        "Laskussa oli käynti, jota en ole käyttänyt.",
        "Lasku tarkistettu ja virheellinen rivi hyvitetty. Asiakkaalle lähetetty korjattu lasku.",
    ),
    (Topic.BILLING, 4, "Laskun eräpäivän siirto onnistui nopeasti.", ""),
    (Topic.WEBSITE, 3, "Verkkosivuilta on vaikea löytää toimipisteiden aukioloajat.", ""),
    (Topic.PREMISES, 4, "Joensuun toimipisteessä on hyvä esteetön sisäänkäynti.", ""),
    (Topic.PREMISES, 2, "Pysäköintipaikkoja on liian vähän aamuisin.", ""),
    (Topic.OTHER, None, "Toivoisin mahdollisuutta etävastaanottoon myös iltaisin.", ""),
]
CHANNELS = [
    FeedbackChannel.WEB_FORM,
    FeedbackChannel.WEB_FORM,
    FeedbackChannel.PHONE,
    FeedbackChannel.EMAIL,
    FeedbackChannel.SMS_SURVEY,
    FeedbackChannel.OFFICE,
]


def load_demo_feedback(*, items: int = 90, seed: int = 2018) -> int:
    """Create demo feedback over the last year; return how many (0 when there is some)."""
    if Feedback.objects.exists():
        return 0
    rng = random.Random(seed)
    people = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:200])
    handler = User.objects.filter(username="asiakaspalvelu").first()
    now = timezone.now()
    created = []
    for n in range(items):
        topic, rating, text, response = rng.choice(SAMPLES)
        channel = rng.choice(CHANNELS)
        if channel == FeedbackChannel.SMS_SURVEY:
            topic, text = (
                Topic.CUSTOMER_SERVICE,
                rng.choice(["", "Kiitos avusta!", "Nopeaa palvelua."]),
            )
            rating = rating or 4
        received = now - timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 600))
        anonymous = channel == FeedbackChannel.WEB_FORM and rng.random() < 0.4
        handled = bool(response) and handler is not None and n % 3 != 0
        created.append(
            Feedback(
                customer_id=None if anonymous or not people else rng.choice(people),
                channel=channel,
                topic=topic,
                text=text,
                rating=rating,
                received_at=received,
                status=FeedbackStatus.HANDLED
                if handled
                else rng.choice([FeedbackStatus.NEW, FeedbackStatus.IN_PROGRESS]),
                response=response if handled else "",
                handled_by=handler if handled else None,
                handled_at=min(received + timedelta(days=1), now) if handled else None,
            )
        )
    Feedback.objects.bulk_create(created)
    return len(created)


register_demo_loader(DemoLoader(order=30, load=load_demo_feedback))
