"""Does the published notice tell the truth about what the system does? (issue #12, item 5)

The check reads the published Finnish text (the notice's authoritative language) and fails when:
- it leaves out something declared: a category (§7), purpose or legal basis (§5), source (§7–8),
  or a kind of recipient in the recipients register (§9);
- it leaves out a retention policy (§11), or the exception a policy's scope makes (a hold);
- it states a retention period that no policy enforces (§11);
- a declaration, policy, recipient, the controller or a security measure changed after the
  version was published (only versions generated from the declarations remember them).
Each difference is one line with a stable code, so tests can name them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notice import wording
from notice.draft import period_phrase
from notice.facts import Facts, changes, collect
from notice.models import NoticeVersion
from privacy.declarations import Basis, Category, Purpose, Source

_PERIOD = re.compile(
    r"(\d+)\s*(vrk|päivää|päivän|kuukautta|kuukauden|kk|vuotta|vuoden|vuosi)", re.IGNORECASE
)
_UNITS = {
    "vrk": "days",
    "päivää": "days",
    "päivän": "days",
    "kuukautta": "months",
    "kuukauden": "months",
    "kk": "months",
    "vuotta": "years",
    "vuoden": "years",
    "vuosi": "years",
}


@dataclass(frozen=True)
class Difference:
    code: str  # "basis:legal_obligation", "policy:website-visits", …
    text: str

    def __str__(self) -> str:
        return self.text


def check(*, version: NoticeVersion | None = None, facts: Facts | None = None) -> list[Difference]:
    """Return every difference between the published notice and the system (empty: none)."""
    version = version or NoticeVersion.objects.current()
    facts = facts if facts is not None else collect()
    with translation.override("fi"):
        if version is None:
            return [Difference("notice:none", _("No privacy notice has been published."))]
        sections = {s.number: f"{s.heading}\n{s.body}" for s in version.sections_in("fi")}
        found = _declared(facts, sections)
        found += _retention(facts, sections.get(11, ""))
        if version.facts is not None:
            found += [
                Difference(
                    f"changed:{line}",
                    _("Changed after version %(number)d was published: %(change)s")
                    % {"number": version.number, "change": line},
                )
                for line in changes(version.facts, facts)
            ]
    return found


def _says(text: str, marks: tuple[str, ...]) -> bool:
    return any(re.search(mark, text, re.IGNORECASE) for mark in marks)


@dataclass(frozen=True)
class _Declared:
    """What the notice must say of one field of the declarations."""

    code: str  # the Difference's code: "category:contact", …
    field: str  # the declarations' field; "purposes" and "sources" hold lists
    choices: type  # the field's TextChoices, for the value's label
    sections: tuple[int, ...]  # where the notice says it
    wording_of: Callable[[str], wording.Wording]
    missing: str  # the difference, with the value's label as %(name)s


_DECLARED = (
    _Declared(
        "category",
        "category",
        Category,
        (7,),
        wording.category_wording,
        gettext_lazy("§7 does not list the declared category of data “%(name)s”."),
    ),
    _Declared(
        "purpose",
        "purposes",
        Purpose,
        (5,),
        wording.purpose_wording,
        gettext_lazy("§5 does not list the declared purpose “%(name)s”."),
    ),
    _Declared(
        "basis",
        "basis",
        Basis,
        (5,),
        wording.basis_wording,
        gettext_lazy("§5 does not name the declared legal basis “%(name)s”."),
    ),
    _Declared(
        "source",
        "sources",
        Source,
        (7, 8),
        wording.source_wording,
        gettext_lazy("§8 does not name the declared source “%(name)s”."),
    ),
)


def _declared(facts: Facts, sections: dict[int, str]) -> list[Difference]:
    found: list[Difference] = []
    for declared in _DECLARED:
        in_use: set[str] = set()
        for declaration in facts["declarations"]:
            value = declaration[declared.field]
            in_use.update([value] if isinstance(value, str) else value)
        text = "\n".join(sections.get(number, "") for number in declared.sections)
        for value in sorted(in_use):
            if not _says(text, declared.wording_of(value).marks):
                name = declared.choices(value).label if value in declared.choices.values else value
                found.append(
                    Difference(f"{declared.code}:{value}", declared.missing % {"name": name})
                )
    for kind in sorted({r["kind"] for r in facts["recipients"]}):
        if not _says(sections.get(9, ""), wording.recipient_kind_wording(kind).marks):
            names = ", ".join(r["name"] for r in facts["recipients"] if r["kind"] == kind)
            found.append(
                Difference(
                    f"recipient:{kind}",
                    _("§9 does not mention recipients of the kind of %(names)s.")
                    % {"names": names},
                )
            )
    return found


def _periods(text: str) -> set[tuple[str, int]]:
    return {(_UNITS[unit.lower()], int(n)) for n, unit in _PERIOD.findall(text)}


def _as_key(period: dict[str, int]) -> tuple[str, int] | None:
    units = [(unit, n) for unit, n in period.items() if n]
    return units[0] if len(units) == 1 else None


def _retention(facts: Facts, text: str) -> list[Difference]:
    found: list[Difference] = []
    # A sentence ends where the next begins with a capital ("ko. henkilön" goes on).
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", text) if s.strip()]
    policies = {p["name"]: p for p in facts["policies"]}

    def stated(policy: dict) -> bool:
        said = wording.policy_wording(policy["name"], policy.get("description", ""))
        key = _as_key(policy["period"])
        return any(
            _says(sentence, said.marks) and key in _periods(sentence) for sentence in sentences
        )

    for policy in facts["policies"]:
        said = wording.policy_wording(policy["name"], policy.get("description", ""))
        period = period_phrase(policy["period"], policy["age_field"])
        covered = stated(policy)
        if not covered and said.covered_by == wording.GENERAL_CRITERION:
            covered = _says(text, wording.GENERAL_MARKS)
        elif not covered and said.covered_by in policies:
            cover = policies[said.covered_by]
            covered = stated(cover) and _shorter(policy["period"], cover["period"])
        if not covered:
            found.append(
                Difference(
                    f"policy:{policy['name']}",
                    _("§11 does not say what the retention policy “%(name)s” does: %(period)s.")
                    % {"name": policy["name"], "period": period},
                )
            )
        elif policy["scope"] and said.exception and not _says(text, said.exception_marks):
            found.append(
                Difference(
                    f"exception:{policy['name']}",
                    _(
                        "§11 does not say that the retention policy “%(name)s” keeps some "
                        "rows past %(period)s (%(scope)s)."
                    )
                    % {"name": policy["name"], "period": period, "scope": policy["scope"]},
                )
            )
    enforced = {_as_key(p["period"]) for p in facts["policies"]}
    # The contact-role review's periods are enforced by its job, not by a retention policy.
    review = facts.get("contact_role_review") or {}
    enforced |= {("months", n) for n in (review.get("months"), review.get("grace_months")) if n}
    for unit, n in sorted(_periods(text) - enforced):
        found.append(
            Difference(
                f"period:{n} {unit}",
                _("§11 states a retention period of %(period)s that no policy enforces.")
                % {"period": period_phrase({unit: n})},
            )
        )
    return found


_DAYS = {"days": 1, "months": 31, "years": 366}


def _shorter(period: dict[str, int], than: dict[str, int]) -> bool:
    """Whether a period always ends no later than another (counting months and years long)."""
    shortest = {"days": 1, "months": 28, "years": 365}
    longest = sum(n * _DAYS.get(unit, 0) for unit, n in period.items())
    return longest <= sum(n * shortest.get(unit, 0) for unit, n in than.items())
