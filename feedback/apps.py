from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from customers import analytics_consent
        from customers.service_calls import call_stored
        from feedback import queue, sections
        from feedback.receivers import delete_visits_on_withdrawal, invite_to_survey_after_call

        sections.register()
        queue.register()
        call_stored.connect(
            invite_to_survey_after_call, dispatch_uid="feedback.invite_to_survey_after_call"
        )
        analytics_consent.withdrawn.connect(
            delete_visits_on_withdrawal, dispatch_uid="feedback.delete_visits_on_withdrawal"
        )
