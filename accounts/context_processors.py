from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, roles_of

# (label, url name, what opens it: a permission, a role, roles (any of them), or None for every
# signed-in user). A page that is one role's daily work is that role's item only, so that every
# role's navigation stays on one row at 1366 px (tests/browser/test_header_layout.py).
_CUSTOMER_SERVICE_WORK = frozenset({Role.CUSTOMER_SERVICE, Role.SUPERVISOR})
NAVIGATION = [
    (_("Front page"), "home", None),
    (_("Customers"), "customers:list", "customers.view_customer"),
    (_("Companies"), "customers:company_list", "customers.view_company"),
    (_("Contact roles to review"), "customers:role_review", _CUSTOMER_SERVICE_WORK),
    (_("Reports"), "customers:reports", "customers.view_reports"),
    (_("Customer feedback"), "feedback:list", "feedback.view_feedback"),
    (_("Satisfaction"), "feedback:report", "feedback.view_satisfaction_report"),
    (_("Marketing audiences"), "consents:audiences", "consents.add_audienceexport"),
    (_("Call recordings"), "calls:list", "calls.listen_callrecording"),
    (_("Scheduled jobs"), "schedule", Role.PRIVACY_OFFICER),
    (_("Disclosures"), "admin:consents_disclosure_changelist", Role.PRIVACY_OFFICER),
    (_("Privacy notice"), "notice:review", "notice.publish_noticeversion"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    """Give the base layout the navigation the signed-in user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    roles = roles_of(user)
    current = request.resolver_match.view_name if request.resolver_match else None

    def allowed(rule: str | Role | frozenset[Role] | None) -> bool:
        if rule is None:
            return True
        if isinstance(rule, Role):
            return rule in roles
        if isinstance(rule, frozenset):
            return bool(rule & set(roles))
        return user.has_perm(rule)

    items = [
        {"label": label, "url": reverse(name), "active": current == name}
        for label, name, rule in NAVIGATION
        if allowed(rule)
    ]
    return {"navigation": items, "user_roles": roles, "can_admin": user.is_staff}
