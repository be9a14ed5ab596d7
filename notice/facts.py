"""What the system does, read from where it is declared: the facts a notice is generated from.

The facts are plain JSON (stored with each published version), read only through public APIs:
the personal-data declarations and their retention policies (privacy), the recipients register
(consents), the roles (accounts) and the settings. `changes(old, new)` names each difference in
one line, for the consistency check.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import translation

from accounts.roles import ROLE_PERMISSIONS
from consents.models import Recipient
from privacy.declarations import WHILE_RELATIONSHIP, Anonymise, RetentionPolicy, policies, registry

Facts = dict[str, Any]


def period_of(period: timedelta | relativedelta) -> dict[str, int]:
    """Return a policy's period as the engine counts it: days, or calendar years and months."""
    if isinstance(period, relativedelta):
        counted = {"years": period.years, "months": period.months, "days": period.days}
        return {unit: n for unit, n in counted.items() if n}
    if period % timedelta(days=1):
        return {"seconds": int(period.total_seconds())}
    return {"days": period.days}


# The change history is one table per tracked model, each with its own policy named
# "history-<app>-<model>", all with one period: the notice states them as one.
HISTORY_PREFIX = "history-"
CHANGE_HISTORY = "change-history"


def _policy_fact(policy: RetentionPolicy, *, name: str = "") -> dict[str, Any]:
    grouped = name and name != policy.name
    return {
        "name": name or policy.name,
        "model": "pghistory events" if grouped else policy.model.lower(),
        "age_field": policy.age_field,
        "period": period_of(policy.period),
        "scope": policy.scope,
        "action": "anonymise" if isinstance(policy.action, Anonymise) else "delete",
        "erase_people": policy.erase_people,
        # English, so that the facts do not depend on the language of the request.
        "description": _english(policy.description),
    }


def collect() -> Facts:
    """Return the facts of the system as it is now."""
    declarations = []
    policies_found: dict[str, dict[str, Any]] = {}
    for declaration in sorted(registry.declarations(), key=lambda d: d.model.lower()):
        retention = declaration.retention
        if retention == WHILE_RELATIONSHIP:
            retention_name = WHILE_RELATIONSHIP
        else:
            retention_name = retention.name
            policies_found[retention.name] = _policy_fact(retention)
        declarations.append(
            {
                "model": declaration.model.lower(),
                "category": str(declaration.category),
                "purposes": [str(p) for p in declaration.purposes],
                "basis": str(declaration.basis),
                "sources": [str(s) for s in declaration.sources],
                "retention": retention_name,
            }
        )
    # Policies on trails rather than on declared data (the access log, the change history):
    # personal data all the same, stated like the others (notice §11 and §16).
    for policy in policies:
        name = CHANGE_HISTORY if policy.name.startswith(HISTORY_PREFIX) else policy.name
        if name not in policies_found:
            policies_found[name] = _policy_fact(policy, name=name)
    recipients = [
        {
            "name": r.name,
            "kind": r.kind,
            "service": r.service,
            "country": str(r.country),
            "eu_eea": r.in_eu_eea,
        }
        for r in Recipient.objects.filter(is_active=True).order_by("name")
    ]
    return {
        "controller": dict(sorted(settings.CONTROLLER.items())),
        "declarations": declarations,
        "policies": [policies_found[name] for name in sorted(policies_found)],
        "recipients": recipients,
        "security": security_measures(),
        # Not a retention policy but a promise of §11: a contact role nobody confirms ends.
        "contact_role_review": {
            "months": settings.CONTACT_ROLE_REVIEW_MONTHS,
            "grace_months": settings.CONTACT_ROLE_REVIEW_GRACE_MONTHS,
        },
    }


def _english(text: str) -> str:
    with translation.override("en"):
        return str(text)


def security_measures() -> dict[str, Any]:
    """Return the technical measures of notice §16 as this system implements them."""
    return {
        "two_factor": bool(settings.REQUIRE_2FA),
        "lockout_failures": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "session_idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        "roles": sorted(str(role) for role in ROLE_PERMISSIONS),
        "access_log": True,
        "change_history": True,
        "retention_jobs": True,
        "disclosure_log": True,
        "backup_retention_days": settings.BACKUP_RETENTION_DAYS,
    }


# --- Differences between two sets of facts -------------------------------------------------------


def changes(old: Facts, new: Facts) -> list[str]:
    """Return each difference between two sets of facts, one line each."""
    lines: list[str] = []
    for key in sorted(set(old["controller"]) | set(new["controller"])):
        before, after = old["controller"].get(key), new["controller"].get(key)
        if before != after:
            lines.append(f"controller {key}: {before!r} → {after!r}")
    lines += _keyed_changes("declaration", old["declarations"], new["declarations"], "model")
    lines += _keyed_changes("policy", old["policies"], new["policies"], "name")
    lines += _keyed_changes("recipient", old["recipients"], new["recipients"], "name")
    for key in sorted(set(old["security"]) | set(new["security"])):
        before, after = old["security"].get(key), new["security"].get(key)
        if before != after:
            lines.append(f"security {key}: {before!r} → {after!r}")
    return lines


def _keyed_changes(kind: str, old: list[dict], new: list[dict], key: str) -> list[str]:
    before = {item[key]: item for item in old}
    after = {item[key]: item for item in new}
    lines = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            lines.append(f"{kind} {name}: removed")
        elif name not in before:
            lines.append(f"{kind} {name}: added")
        else:
            for field in sorted(set(before[name]) | set(after[name])):
                if field == "description":
                    continue
                was, now = before[name].get(field), after[name].get(field)
                if was != now:
                    lines.append(f"{kind} {name}: {field} {_show(was)} → {_show(now)}")
    return lines


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{n} {unit}" for unit, n in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value) if value not in ("", None) else "–"
