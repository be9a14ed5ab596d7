"""The privacy officer's read-only view of feedback, survey invitations and website visits.
Staff handle feedback on their own pages; everything here goes with retention or erasure."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdmin
from feedback.models import Feedback, SurveyInvitation, WebsiteVisit


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "customer", "channel", "topic", "rating", "status"]
    list_filter = ["status", "channel", "topic", "rating"]
    list_select_related = ["customer"]
    date_hierarchy = "received_at"
    raw_id_fields = ["customer", "call", "handled_by"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "status", "attempts", "sent_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    search_fields = ["=phone"]
    search_help_text = _("The phone number in international form, e.g. +358401234567.")
    raw_id_fields = ["customer", "call", "feedback"]


@admin.register(WebsiteVisit)
class WebsiteVisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_at", "ip_address", "language", "browser", "screen_resolution"]
    date_hierarchy = "visited_at"
    raw_id_fields = ["customer", "received_from"]
