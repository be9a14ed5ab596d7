"""The record of processing activities (GDPR Art. 30(1)), from the same facts as the notice."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from notice import wording
from notice.draft import ordered_policies, period_phrase, security_items
from notice.facts import Facts
from privacy.declarations import WHILE_RELATIONSHIP, Basis, Category, Purpose


@dataclass(frozen=True)
class Activity:
    """One processing activity: one purpose of notice §5."""

    purpose: str
    data_subjects: list[str]
    categories: list[str]
    bases: list[str]
    recipients: list[str]
    transfers: str
    retention: list[str]


@dataclass(frozen=True)
class Record:
    controller: list[str]
    activities: list[Activity]
    security: list[str]

    def rows(self) -> tuple[list[str], list[list[str]]]:
        """Return a header and one row per activity, for a spreadsheet."""
        header = [
            _("Purpose of processing"),
            _("Categories of data subjects"),
            _("Categories of personal data"),
            _("Legal basis"),
            _("Recipients"),
            _("Transfers outside the EU/EEA"),
            _("Retention"),
        ]
        rows = [[_("Controller"), "; ".join(self.controller), "", "", "", "", ""]]
        rows += [
            [
                a.purpose,
                "; ".join(a.data_subjects),
                "; ".join(a.categories),
                "; ".join(a.bases),
                "; ".join(a.recipients),
                a.transfers,
                "; ".join(a.retention),
            ]
            for a in self.activities
        ]
        rows.append(
            [_("Security measures (Art. 32)"), "; ".join(self.security), "", "", "", "", ""]
        )
        return header, rows


def _label(choices: type, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def build(facts: Facts, *, language: str) -> Record:
    """Return the record of processing in one language."""
    with translation.override(language):
        controller = facts["controller"]
        policies = {p["name"]: p for p in ordered_policies(facts)}
        recipients = [
            _("%(name)s (%(kind)s, %(country)s)")
            % {"name": r["name"], "kind": _kind(r["kind"]), "country": r["country"]}
            for r in facts["recipients"]
        ] + [_("authorities, where the law requires")]
        transfers = _(
            "None. A database trigger refuses every disclosure to a recipient that processes "
            "data outside the EU/EEA, and the forms and services leave such recipients out."
        )
        activities = []
        for purpose in Purpose.values:
            declared = [d for d in facts["declarations"] if purpose in d["purposes"]]
            if not declared:
                continue
            categories = list(dict.fromkeys(d["category"] for d in declared))
            retention = []
            for d in declared:
                what = _label(Category, d["category"])
                if d["retention"] == WHILE_RELATIONSHIP:
                    kept = _("while the customer relationship lasts")
                else:
                    policy = policies[d["retention"]]
                    kept = period_phrase(policy["period"], policy["age_field"])
                retention.append(f"{what}: {kept}")
            activities.append(
                Activity(
                    purpose=_label(Purpose, purpose),
                    data_subjects=list(
                        dict.fromkeys(
                            str(wording.DATA_SUBJECTS.get(c, _("customers"))) for c in categories
                        )
                    ),
                    categories=[_label(Category, c) for c in categories],
                    bases=list(dict.fromkeys(_label(Basis, d["basis"]) for d in declared)),
                    recipients=recipients,
                    transfers=transfers,
                    retention=list(dict.fromkeys(retention)),
                )
            )
        return Record(
            controller=[
                controller["name"],
                controller["address"],
                controller["phone"],
                _("Business ID %(id)s") % {"id": controller["business_id"]},
                _("Data protection officer: %(contact)s")
                % {"contact": controller["privacy_contact"]},
            ],
            activities=activities,
            security=[str(item) for item in security_items(facts)],
        )


def _kind(kind: str) -> str:
    return _("processor") if kind == "processor" else _("authority")
