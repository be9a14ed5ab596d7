from __future__ import annotations

import pytest

from accounts.demo import load_demo_staff
from customers.demo import load_demo_register
from feedback.demo import load_demo_feedback
from feedback.models import Feedback, FeedbackStatus

pytestmark = pytest.mark.django_db


def test_demo_feedback_is_believable_and_loaded_once():
    load_demo_staff()
    load_demo_register(people=30)
    assert load_demo_feedback() == 90
    assert load_demo_feedback() == 0
    assert Feedback.objects.filter(status=FeedbackStatus.HANDLED).exclude(response="").exists()
    assert Feedback.objects.filter(customer__isnull=True).exists()
    assert Feedback.objects.exclude(rating=None).exists()
