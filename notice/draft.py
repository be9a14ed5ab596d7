"""The privacy notice generated from the facts (notice.facts), in the seed's sections and order.

A body is plain text: paragraphs separated by a blank line, a paragraph of "- " lines a list.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notice import wording
from notice.facts import Facts
from privacy.declarations import Basis, Category, Purpose, Source
from privacy.objection import going_on_despite_objection, stopped_by_objection

LANGUAGES = ("fi", "en")


@dataclass(frozen=True)
class Section:
    number: int
    heading: str
    body: str


def build(facts: Facts, *, language: str, effective_on: date) -> list[Section]:
    """Return the title (0) and sections 1–16 of the notice in one language."""
    with translation.override(language):
        names = _names(facts["controller"], language)
        bodies = {
            1: _controller(names),
            2: names["privacy_contact"],
            3: names["register_contact"],
            4: names["register_name"],
            5: _purposes_and_bases(facts, names),
            6: _(
                "Processing of personal data does not rest on the controller's legitimate interest."
            ),
            7: _data_content(facts),
            8: _sources(facts),
            9: _recipients(facts),
            10: _transfers(facts),
            11: _retention(facts, names),
            12: _rights(names, language),
            13: _consent(names),
            14: _("The services cannot be provided."),
            15: _(
                "Processing of personal data involves no automated decision-making or "
                "profiling based on personal data."
            ),
            16: _security(facts),
        }
        title = _(
            "%(register_name)s PRIVACY NOTICE (from %(date)s) General Data Protection "
            "Regulation of the European Union (EU) 2016/679, Articles 12, 13, 14 and 19"
        ) % {"register_name": names["register_name"], "date": format_date(effective_on)}
        sections = [Section(0, title, "")]
        sections += [
            Section(number, str(heading), bodies[number])
            for number, heading in wording.HEADINGS.items()
        ]
    return sections


def digest(facts: Facts) -> str:
    """Return a fingerprint of the facts, so a publication can tell what was reviewed."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def format_date(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def period_phrase(period: dict[str, int], age_field: str = "") -> str:
    """Return a period exactly as the engine enforces it: "30 vrk", "5 vuotta"."""
    parts = []
    for unit in ("years", "months", "days"):
        n = period.get(unit)
        if not n:
            continue
        if unit == "years":
            parts.append(ngettext("%(n)d year", "%(n)d years", n) % {"n": n})
        elif unit == "months":
            parts.append(ngettext("%(n)d month", "%(n)d months", n) % {"n": n})
        else:
            parts.append(ngettext("%(n)d day", "%(n)d days", n) % {"n": n})
    if "seconds" in period:
        parts.append(
            ngettext("%(n)d second", "%(n)d seconds", period["seconds"]) % {"n": period["seconds"]}
        )
    phrase = " ".join(parts)
    counted_from = wording.COUNTED_FROM_END.get(age_field)
    return f"{phrase} {counted_from}" if counted_from else phrase


def _names(controller: dict[str, str], language: str) -> dict[str, str]:
    names = dict(controller)
    names.setdefault("trade_name", controller["name"])
    names.setdefault("register_contact", controller["privacy_contact"])
    if language == "fi":
        names.setdefault("trade_name_genitive", controller.get("trade_name", controller["name"]))
    else:
        names["trade_name_genitive"] = f"{names['trade_name']}’s"
    return names


def _list(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _join(items: list[str]) -> str:
    """Join as a sentence does: "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s or %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _in_use(facts: Facts, field: str, order: list[str]) -> list[str]:
    found: set[str] = set()
    for declaration in facts["declarations"]:
        value = declaration[field]
        found.update(value if isinstance(value, list) else [value])
    return [v for v in order if v in found] + sorted(found - set(order))


def _controller(names: dict[str, str]) -> str:
    return "\n\n".join(
        [
            names["name"],
            _("Address: %(address)s") % names,
            _("Phone number: %(phone)s") % names,
            _("Business ID: %(business_id)s") % names,
        ]
    )


def _purposes_and_bases(facts: Facts, names: dict[str, str]) -> str:
    bases = _in_use(facts, "basis", list(Basis.values))
    paragraphs = [
        _("The basis of processing personal data is %(bases)s.")
        % {"bases": _join([str(wording.basis_wording(b).text) % names for b in bases])}
    ]
    if Basis.LEGAL_OBLIGATION in bases:
        categories = [
            str(Category(d["category"]).label).lower()
            for d in facts["declarations"]
            if d["basis"] == Basis.LEGAL_OBLIGATION
        ]
        paragraphs.append(
            _("A legal obligation of the controller is the basis of processing: %(what)s.")
            % {"what": ", ".join(dict.fromkeys(categories))}
        )
    paragraphs.append(
        _(
            "The customer register also keeps data on the contact persons of "
            "%(trade_name_genitive)s existing and prospective corporate customers."
        )
        % names
    )
    paragraphs.append(_("Personal data may be processed for the following purposes:"))
    purposes = _in_use(facts, "purposes", list(Purpose.values))
    paragraphs.append(_list([str(wording.purpose_wording(p).text) % names for p in purposes]))
    return "\n\n".join(paragraphs)


def _data_content(facts: Facts) -> str:
    categories = _in_use(facts, "category", list(Category.values))
    return "\n\n".join(
        [
            _("The following data may be stored about the data subject:"),
            _list([str(wording.category_wording(c).text) for c in categories]),
        ]
    )


def _sources(facts: Facts) -> str:
    sources = _in_use(facts, "sources", list(Source.values))
    first = [
        str(wording.source_wording(s).text)
        for s in sources
        if s in (Source.DATA_SUBJECT, Source.STAFF)
    ]
    rest = [
        str(wording.source_wording(s).text) + "."
        for s in sources
        if s not in (Source.DATA_SUBJECT, Source.STAFF)
    ]
    sentences = ([" ".join(first) + "."] if first else []) + rest
    return " ".join(sentences)


def _recipients(facts: Facts) -> str:
    processors = [r for r in facts["recipients"] if r["kind"] == "processor"]
    paragraphs = [
        _(
            "Personal data is processed for the purposes defined in this notice in electronic "
            "systems and services."
        ),
        str(wording.recipient_kind_wording("processor").text),
    ]
    if processors:
        paragraphs.append(_("Service partners in use:"))
        paragraphs.append(
            _list(
                [
                    _("%(name)s: %(service)s (%(country)s)")
                    % {"name": r["name"], "service": r["service"] or "–", "country": r["country"]}
                    for r in processors
                ]
            )
        )
    paragraphs += [
        _("We make sure that our partners protect personal data adequately, as the law requires."),
        _(
            "Personal data is not disclosed outside the parties taking part in producing, "
            "developing or maintaining the services and communication acting on the company's "
            "behalf other than under a contract, other consent or the law."
        ),
        str(wording.recipient_kind_wording("authority").text),
        _(
            "Every disclosure is logged: to whom, on what basis, which data, whose data and by "
            "whom."
        ),
    ]
    return "\n\n".join(paragraphs)


def _transfers(facts: Facts) -> str:
    paragraphs = [
        _(
            "We do not transfer personal data to third countries outside the European Union or "
            "the European Economic Area, or to international organisations."
        ),
        _(
            "The register refuses every disclosure to a recipient that processes data outside "
            "the EU/EEA."
        ),
    ]
    outside = [r["name"] for r in facts["recipients"] if not r["eu_eea"]]
    if outside:
        paragraphs.append(
            _(
                "These recipients process data outside the EU/EEA and get no data from the "
                "register: %(names)s."
            )
            % {"names": ", ".join(outside)}
        )
    return "\n\n".join(paragraphs)


def ordered_policies(facts: Facts) -> list[dict]:
    """Return the policies in the notice's order: worded ones first, as worded."""
    order = list(wording.POLICIES)
    return sorted(
        facts["policies"],
        key=lambda p: (order.index(p["name"]) if p["name"] in order else len(order), p["name"]),
    )


def policy_sentence(policy: dict) -> str:
    said = wording.policy_wording(policy["name"], policy.get("description", ""))
    sentence = str(said.sentence) % {"period": period_phrase(policy["period"], policy["age_field"])}
    if policy["scope"] and said.exception:
        sentence += " " + str(said.exception)
    if policy.get("erase_people") and not said.whole_person:
        sentence += " " + _(
            "A person for whom this was the last reason to be in the register is then removed "
            "from it entirely."
        )
    return sentence


def _retention(facts: Facts, names: dict[str, str]) -> str:
    paragraphs = [
        _(
            "Personal data under this notice is kept only as long and to the extent that it is "
            "necessary and the controller uses it in activities related to the stated purposes "
            "of processing."
        ),
        _(
            "%(trade_name)s defines the deletion periods and practices of data and makes sure "
            "that outdated and unnecessary data is deleted."
        )
        % names,
    ]
    paragraphs += [policy_sentence(p) for p in ordered_policies(facts)]
    review = facts.get("contact_role_review")
    if review:
        paragraphs.append(
            _(
                "Customer service checks a contact person's role when it has not been "
                "confirmed for %(months)d months; a role not confirmed within %(grace)d months "
                "of that ends."
            )
            % {"months": review["months"], "grace": review["grace_months"]}
        )
    paragraphs.append(
        _("Data past its period is deleted by scheduled jobs, and every deletion run is recorded.")
    )
    return "\n\n".join(paragraphs)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _objection() -> str:
    """What an objection stops and what goes on, from the rules the register enforces
    (privacy.objection)."""
    stops = "; ".join(_lower_first(str(rule.processing.label)) for rule in stopped_by_objection())
    goes_on = "; ".join(
        _lower_first(str(rule.processing.label)) for rule in going_on_despite_objection()
    )
    return _(
        "An objection stops at once the processing of the person's data for: %(stops)s. It "
        "does not stop: %(goes_on)s."
    ) % {"stops": stops, "goes_on": goes_on}


def _rights(names: dict[str, str], language: str) -> str:
    url = reverse("notice:public" if language == "fi" else "notice:public_en")
    return "\n\n".join(
        [
            _(
                "The customer has the right to check the personal data about themselves stored "
                "in the customer register and the right to ask for incorrect data to be "
                "rectified. In certain situations the customer also has the right to have the "
                "personal data about them erased from the register and to ask for it to be "
                "transferred to another company. In certain situations the customer further has "
                "the right to ask for the processing of their data to be restricted and to "
                "object to the processing of their data."
            ),
            _(
                "A person who wants to exercise their rights or get more information on the "
                "processing of their personal data can contact the controller named in this "
                "notice. A request to exercise the rights must always be made in writing. The "
                "forms for exercising the rights are available on %(trade_name_genitive)s "
                "website (%(url)s) and at %(trade_name_genitive)s office."
            )
            % {**names, "url": url},
            _objection(),
            _(
                "We answer a request without undue delay and at the latest within one month of "
                "receiving it. Where necessary, taking into account the complexity and number "
                "of requests, the period may be extended by two further months; we then tell "
                "the requester within the first month, with the reasons."
            ),
            _(
                "A person also has the right to lodge a complaint with the supervisory "
                "authority (the Office of the Data Protection Ombudsman) if they consider that "
                "the processing of personal data about them infringes the applicable data "
                "protection rules."
            ),
        ]
    )


def _consent(names: dict[str, str]) -> str:
    return "\n\n".join(
        [
            _(
                "%(trade_name)s may direct electronic direct marketing to a customer once the "
                "customer has given their consent to it."
            )
            % names,
            _(
                "The data subject has the right to withdraw a consent they have given at any "
                "time. Withdrawing consent ends the controller's right to process personal data "
                "for purposes that have no basis of processing other than consent. Consent can "
                "be withdrawn by contacting the controller named in this notice."
            ),
        ]
    )


def security_items(facts: Facts) -> list[str]:
    """Return the technical measures of §16 as implemented, one phrase each."""
    measures = facts["security"]
    return [
        _(
            "every member of staff signs in with a password and a one-time code (two-factor "
            "authentication)"
        )
        if measures["two_factor"]
        else _(
            "the administration is used only with a password and a one-time code "
            "(two-factor authentication)"
        ),
        _("signing in is locked for %(minutes)d minutes after %(failures)d failed attempts")
        % {"minutes": measures["lockout_minutes"], "failures": measures["lockout_failures"]},
        _("a session left idle ends after %(minutes)d minutes")
        % {"minutes": measures["session_idle_minutes"]},
        _("access rights by role, each with only what its work needs (%(roles)s)")
        % {"roles": ", ".join(measures["roles"])},
        _(
            "every view of a person's data, every export and every playback of a recording is "
            "logged"
        ),
        _("every change of personal data is kept in a change history that cannot be altered"),
        _("data past its retention period is deleted by scheduled jobs, and every run is recorded"),
        _("every disclosure of data is logged"),
        ngettext(
            "the register is backed up daily; a backup is kept for %(days)d day and then "
            "deleted, and a restore from it erases again everyone erased since",
            "the register is backed up daily; a backup is kept for %(days)d days and then "
            "deleted, and a restore from it erases again everyone erased since",
            measures["backup_retention_days"],
        )
        % {"days": measures["backup_retention_days"]},
    ]


def _security(facts: Facts) -> str:
    implemented = security_items(facts)
    return "\n\n".join(
        [
            _(
                "We protect personal data carefully throughout its life cycle with appropriate "
                "data protection and information security measures."
            ),
            _(
                "We protect personal data among other things with proactive risk management and "
                "security planning, protection of data communications, continuous maintenance "
                "of information systems, backups, and secure premises, access control and "
                "security systems. Physical documents containing personal data are kept in "
                "locked storage after their first handling. Granting and monitoring access "
                "rights is managed. We train our staff who take part in processing personal "
                "data regularly and make sure that the staff of our partners also understand "
                "the confidential nature of personal data and the importance of handling it "
                "securely. We choose our subcontractors carefully. We keep updating our "
                "internal practices and instructions."
            ),
            _("In this register in particular:"),
            _list([str(m) for m in implemented]),
            _(
                "If, despite all our security measures, personal data falls into the wrong "
                "hands, the identity may be stolen or the personal data otherwise misused. If "
                "we detect such an event, we investigate it without delay and try to prevent "
                "the damage. We inform the authorities and data subjects concerned of a "
                "personal data breach as the law requires."
            ),
        ]
    )
