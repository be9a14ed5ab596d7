"""Staff roles and what each may do, declared once.

The groups themselves are created by a data migration; their permissions are synchronised from
ROLE_PERMISSIONS after every `migrate`, so an app that adds a model adds its permission here and
nowhere else. Least privilege: a role gets only what its daily work needs.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The group name is the Finnish role name staff recognise."""

    CUSTOMER_SERVICE = "asiakaspalvelu", _("Customer service")
    SUPERVISOR = "esihenkilö", _("Supervisor")
    PRIVACY_OFFICER = "tietosuojavastaava", _("Privacy officer")
    MARKETING = "markkinointi", _("Marketing")


_CUSTOMER_SERVICE = {
    "customers.view_customer",
    "customers.add_customer",
    "customers.change_customer",
    "customers.view_company",
    "customers.add_company",
    "customers.change_company",
    "customers.view_contactrole",
    "customers.add_contactrole",
    "customers.change_contactrole",
    "customers.view_serviceuse",
    "customers.add_serviceuse",
    "customers.change_serviceuse",
    "customers.view_insurance",
    "customers.add_insurance",
    "customers.change_insurance",
    "customers.view_occupationalhealthcoverage",
    "customers.add_occupationalhealthcoverage",
    "customers.change_occupationalhealthcoverage",
    "customers.view_occupationalhealthcontract",
    "customers.add_occupationalhealthcontract",
    "customers.change_occupationalhealthcontract",
    "customers.view_customergroup",
    "customers.add_customergroup",
    "customers.change_customergroup",
    "customers.view_reports",
}

# Consents, bans and disclosures on the customer page (notice §7, §9, §13): recorded by every
# role that serves customers. Restrictions are only seen here; the privacy officer sets them.
_CHOICES = {
    "consents.view_consentevent",
    "consents.add_consentevent",
    "consents.view_ban",
    "consents.add_ban",
    "consents.change_ban",
    "privacy.view_restriction",
    "consents.view_disclosure",
}

# Feedback (notice §5): customer service and supervisors record and handle it; the privacy
# officer reads it; the satisfaction report has numbers only.
_FEEDBACK = {
    "feedback.view_feedback",
    "feedback.add_feedback",
    "feedback.change_feedback",
    "feedback.view_satisfaction_report",
}

# Written data-subject requests (notice §12): staff log a request handed in at the office and
# see its state and due date on the customer page, never its documents.
_LOG_REQUESTS = {"dsar.log_request", "dsar.view_request_status"}

# Listening to call recordings (notice §5): supervisors and the privacy officer, never customer
# service.
_LISTEN = {"calls.listen_callrecording"}

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.CUSTOMER_SERVICE: _CUSTOMER_SERVICE | _CHOICES | _FEEDBACK | _LOG_REQUESTS,
    Role.SUPERVISOR: _CUSTOMER_SERVICE | _CHOICES | _FEEDBACK | _LISTEN | _LOG_REQUESTS,
    Role.PRIVACY_OFFICER: _CUSTOMER_SERVICE
    | _CHOICES
    | _LOG_REQUESTS
    | {
        # Data-subject requests: the privacy officer runs them in the admin.
        "dsar.view_datasubjectrequest",
        "dsar.add_datasubjectrequest",
        "dsar.change_datasubjectrequest",
        "dsar.download_requestfile",
        "dsar.view_timelineentry",
        "dsar.view_requestdocument",
        "dsar.view_requestletter",
        "dsar.view_requestpause",
        # Restriction of processing (GDPR Art. 18), recipients and the disclosure log (§9),
        # consent purposes and their wordings.
        "privacy.add_restriction",
        "privacy.change_restriction",
        "privacy.edit_restricted",
        "consents.view_recipient",
        "consents.add_recipient",
        "consents.change_recipient",
        "consents.add_disclosure",
        "consents.download_disclosure_copy",
        "consents.view_consentpurpose",
        "consents.add_consentpurpose",
        "consents.change_consentpurpose",
        "consents.view_consentwording",
        "consents.add_consentwording",
        "consents.view_audienceexport",
        "consents.view_analyticsconsent",
        "audit.view_accesslogentry",
        "pghistory.view_events",
        "accounts.view_apiclient",
        "accounts.change_apiclient",
        # Enrolment links: a staff account enrols its authentication app only with one.
        "accounts.view_enrolment",
        "accounts.add_enrolment",
        # Recordings: listening, holds for access requests; what retention removes.
        "calls.listen_callrecording",
        "calls.view_callrecording",
        "calls.view_recordinghold",
        "calls.add_recordinghold",
        "calls.change_recordinghold",
        "privacy.view_retentionrun",
        # The job outbox and the runs of scheduled jobs: what is stuck or failed.
        "jobs.view_job",
        "jobs.view_scheduledrun",
        # The proof of erasures, on request and by retention (issue #11).
        "privacy.view_erasurerecord",
        "privacy.view_pendingfiledeletion",
        "customers.import_address_updates",
        # Feedback, survey invitations and website visits: read, in the admin too.
        "feedback.view_feedback",
        "feedback.view_satisfaction_report",
        "feedback.view_surveyinvitation",
        "feedback.view_websitevisit",
        # The register of personal-data breaches (GDPR Art. 33–34), only in the admin.
        "breaches.view_breach",
        "breaches.add_breach",
        "breaches.change_breach",
        "breaches.view_breach_report",
        # The privacy notice (issue #12): review the generated draft, publish it, and see the
        # daily consistency check and the record of processing.
        "notice.view_noticeversion",
        "notice.view_noticesection",
        "notice.publish_noticeversion",
        "notice.view_consistencycheck",
    },
    # Marketing sees aggregate reports, and builds and exports audiences for processors; it
    # never opens a person's record.
    Role.MARKETING: {
        "customers.view_reports",
        "customers.view_customergroup",
        "consents.add_audienceexport",
        "consents.view_audienceexport",
        "consents.view_analyticsconsent",
        "feedback.view_satisfaction_report",
    },
}


class UnknownPermission(Exception):
    """A role names a permission that no installed model defines (a typo, a moved model)."""


def sync_role_permissions() -> None:
    """Give each role exactly the permissions declared for it.

    Raises UnknownPermission, changing nothing, when a role names a permission that does not
    exist: a silently skipped one would leave a role without a right it was meant to have.
    """
    existing = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    unknown = sorted(
        {label for codenames in ROLE_PERMISSIONS.values() for label in codenames} - set(existing)
    )
    if unknown:
        raise UnknownPermission(f"Roles name permissions that do not exist: {', '.join(unknown)}")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set([existing[label] for label in codenames])


def roles_of(user) -> set[Role]:
    """Return the roles a user holds."""
    if not user.is_authenticated:
        return set()
    names = {g.name for g in user.groups.all()}
    return {role for role in Role if role.value in names}
