"""The privacy notice's own words: headings in the seed's order, one sentence per declared value,
and the Finnish marks by which the consistency check finds each value in a published text.

The values themselves (categories, purposes, bases, sources, policies) are declared by the apps;
this module only says how the notice words them. A value without wording here is still rendered
(with its label) and still checked (by its label), so a new declaration can never slip past the
notice unseen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from privacy.declarations import Basis, Category, Purpose, Source

# The seed's sixteen headings, in its order (notice of 25.5.2018).
HEADINGS = {
    1: _("Controller"),
    2: _("Contact details of the data protection officer"),
    3: _("Contact for matters concerning the register"),
    4: _("Name of the register"),
    5: _("Purposes and legal basis of processing"),
    6: _("Description of the controller's legitimate interests"),
    7: _("Data content of the register"),
    8: _("Sources of data, and a description of them where data is collected from public sources"),
    9: _("Recipients of personal data"),
    10: _(
        "Transfers of personal data to third countries or international organisations and the "
        "safeguards used"
    ),
    11: _("Retention period of personal data or the criteria for determining it"),
    12: _("Rights of the data subject"),
    13: _("Withdrawing consent"),
    14: _("Consequences of not providing personal data for the contract"),
    15: _("Meaningful information on automated decision-making or profiling"),
    16: _(
        "Effects of processing personal data and a general description of the technical and "
        "organisational security measures"
    ),
}


@dataclass(frozen=True)
class Wording:
    """How the notice words one declared value, and how a published text is seen to state it."""

    text: str
    # Regular expressions, matched case-insensitively against the Finnish text of the sections
    # where the value belongs; one match is enough.
    marks: tuple[str, ...]


CATEGORIES: dict[str, Wording] = {
    Category.BASIC: Wording(
        _(
            "Basic information on the customer (e.g. name, customer number, address, phone "
            "number, email address, role in the company)"
        ),
        (r"perustied",),
    ),
    Category.RELATIONSHIP: Wording(
        _(
            "Information needed to manage the customer relationship (e.g. the customer's "
            "preferred contact method, information on dealings, payment and collection details)"
        ),
        (r"asiakkuuden hoitamiseksi", r"asiointi"),
    ),
    Category.OWN_CONTENT: Wording(
        _(
            "Content produced by the data subject, such as feedback, and further information "
            "they give about themselves, such as wishes concerning the customer relationship, "
            "satisfaction, interests or other similar information"
        ),
        (r"itse tuottama", r"asiakaspalaute"),
    ),
    Category.INSURANCE_OCCUPATIONAL_HEALTH: Wording(
        _(
            "Information on insurance, occupational health services and contracts and similar "
            "matters possibly concerning the data subject"
        ),
        (r"vakuutu",),
    ),
    Category.SERVICES_PAYMENTS: Wording(
        _("Services the data subject has wished for and used, with their payment details"),
        (r"palveluita maksutietoineen", r"käyttämiä palvelu"),
    ),
    Category.CHOICES: Wording(
        pgettext_lazy("privacy notice", "Bans, restrictions, consents and other choices"),
        (r"kieltoj", r"kiellot", r"suostumuks"),
    ),
    Category.WEBSITE_USE: Wording(
        _(
            "From the use of the website: the visitor's IP address, language, browser name and "
            "screen resolution"
        ),
        (r"verkkosivu",),
    ),
    Category.CALL_RECORDING: Wording(
        _(
            "Recordings of calls to customer service, with the time of the call, the caller's "
            "number, the agent and the queue"
        ),
        (r"puhelutallente", r"puhelu\w* tallente"),
    ),
}

PURPOSES: dict[str, Wording] = {
    Purpose.CUSTOMER_CONTACT: Wording(_("Customer contact"), (r"asiakasyhteydenpito",)),
    Purpose.RELATIONSHIP: Wording(
        _(
            "Managing, carrying out, developing and following up the customer relationship, "
            "customer service and the communication and marketing related to them"
        ),
        (r"asiakassuhteen",),
    ),
    Purpose.ANALYSIS: Wording(
        _(
            "Analysing, grouping and reporting on customer relationships, carrying out the "
            "key-account programme, and other purposes of developing the whole customer "
            "relationship and %(trade_name_genitive)s business"
        ),
        (r"analysointi",),
    ),
    Purpose.FEEDBACK: Wording(
        _("Collecting and processing customer feedback and customer satisfaction information"),
        (r"asiakaspalautteen",),
    ),
    Purpose.MARKET_RESEARCH: Wording(
        _(
            "Carrying out market research and opinion surveys. Processing tasks may be "
            "outsourced to external service providers in accordance with data protection law "
            "and within the limits it sets."
        ),
        (r"markkinatutkimu",),
    ),
    Purpose.CALL_QUALITY: Wording(
        _(
            "Calls to %(trade_name_genitive)s customer service are recorded. To develop the "
            "quality of customer service, recordings may be used in training customer-service "
            "staff, in service-level studies, in developing instructions and in investigating "
            "complaints. People who have called customer service may be sent text-message "
            "surveys, among other things to find out how satisfied customers are."
        ),
        (r"puhelut tallennetaan", r"tallenteita"),
    ),
}

# Each basis as the end of the sentence "The basis of processing is ...".
BASES: dict[str, Wording] = {
    Basis.CONTRACT: Wording(
        _("%(trade_name_genitive)s contractual relationship with the customer"),
        (r"sopimus",),
    ),
    Basis.CONSENT: Wording(_("the customer's consent"), (r"suostumu",)),
    Basis.MANDATE: Wording(_("a mandate given by the customer"), (r"toimeksian",)),
    Basis.LEGAL_OBLIGATION: Wording(
        _("a legal obligation of the controller"),
        (r"lakisäätei", r"lain velvoit", r"oikeudellinen velvoite"),
    ),
}

SOURCES: dict[str, Wording] = {
    Source.DATA_SUBJECT: Wording(
        _(
            "Data about customers is obtained from the customers themselves, from events "
            "related to the bookings and purchases of the services they want"
        ),
        (r"häneltä itseltään", r"rekisteröidyltä itseltään"),
    ),
    Source.STAFF: Wording(
        _(
            "and from the controller's other service situations (e.g. customer feedback, "
            "customer surveys, contacts by the customer), recorded by customer service"
        ),
        (r"palvelutilantei",),
    ),
    Source.TELEPHONY: Wording(
        _(
            "The recording and the details of a call to customer service come from the "
            "telephony system"
        ),
        (r"puhelinjärjestelm", r"yhteydenot"),
    ),
    Source.WEBSITE: Wording(
        _(
            "Website use, and the feedback, consents and bans given on the website, come from "
            "the website"
        ),
        (r"verkkosivu",),
    ),
    Source.ADDRESS_SERVICE: Wording(
        _(
            "Personal data may also be collected, stored and updated from the registers of the "
            "Digital and Population Data Services Agency and of other controllers offering "
            "address, update and similar services"
        ),
        (r"väestö", r"osoite-"),
    ),
}

RECIPIENT_KINDS: dict[str, Wording] = {
    "processor": Wording(
        _(
            "We use external service partners to provide system and support services. Personal "
            "data may be transferred to the service partners in use insofar as they take part "
            "in carrying out the work within the mandate they have been given."
        ),
        (r"palvelukumppan", r"käsittelijä"),
    ),
    "authority": Wording(
        _(
            "We disclose data to authorities within the limits that the law in force allows "
            "and requires, for example when answering authorities' requests for information."
        ),
        (r"viranomai",),
    ),
}


@dataclass(frozen=True)
class PolicyWording:
    """How the notice states one retention policy (§11)."""

    # A sentence with %(period)s: the period exactly as the engine enforces it.
    sentence: str
    marks: tuple[str, ...]
    # Said when the policy's scope keeps some rows past the period (a hold).
    exception: str = ""
    exception_marks: tuple[str, ...] = ()
    # A policy whose rows always go sooner than another policy's, or than the general criterion
    # of §11, is stated by that statement: the notice never promises less than is done.
    covered_by: str = ""
    covered_reason: str = ""
    # The sentence itself says the person goes whole (the inactivity policy): the general
    # sentence about people left with no reason is not added.
    whole_person: bool = False


GENERAL_CRITERION = "general"
GENERAL_MARKS = (r"tarpeellisia",)

POLICIES: dict[str, PolicyWording] = {
    "call-recordings": PolicyWording(
        _("Call recordings are kept for %(period)s."),
        (r"puhelu", r"nauhoit", r"tallente"),
        exception=_(
            "A recording covered by an open request for access is kept until the request has "
            "been answered."
        ),
        exception_marks=(r"tietopyyn", r"säilytyspi"),
    ),
    "feedback": PolicyWording(
        _("Data related to feedback is kept for %(period)s."),
        (r"palaut",),
    ),
    "ended-contact-roles": PolicyWording(
        _(
            "We keep a contact person's data as long as their role as the representative of "
            "their company requires it; after that, the data is kept %(period)s."
        ),
        (r"tehtäv", r"yhteyshenkil"),
    ),
    "website-visits": PolicyWording(
        _("Data on the use of the website is kept for %(period)s."),
        (r"verkkosivu",),
    ),
    "analytics-consents-withdrawn": PolicyWording(
        _(
            "The record of a withdrawn consent to website analytics is kept for %(period)s "
            "after the withdrawal."
        ),
        (r"analytiik",),
        covered_by="website-visits",
        covered_reason=_(
            "the record of a withdrawn analytics consent, kept for the visits' period from "
            "the withdrawal"
        ),
    ),
    "survey-invitations": PolicyWording(
        _("A text-message survey nobody answered is deleted after %(period)s."),
        (r"kysely",),
        covered_by="feedback",
        covered_reason=_("feedback-related data that goes sooner than feedback"),
    ),
    "data-subject-requests": PolicyWording(
        _("A data-subject request and its answer are kept for %(period)s after it was closed."),
        (r"pyyn",),
    ),
    "access-packages": PolicyWording(
        _(
            "The copy of their data made for a person who asked to see it is deleted "
            "%(period)s after the request was closed."
        ),
        (r"kopio",),
        covered_by="data-subject-requests",
        covered_reason=_("a copy that goes sooner than the request it answers"),
    ),
    "closed-breaches": PolicyWording(
        _("Records of personal-data breaches are kept for %(period)s after the breach was closed."),
        (r"tietoturvaloukka",),
    ),
    "access-log": PolicyWording(
        _(
            "The log of who has viewed a person's data, when and why, is kept for %(period)s "
            "to monitor the use of access rights."
        ),
        (r"lokitie", r"katsellut", r"käyttöloki"),
    ),
    "change-history": PolicyWording(
        _(
            "The history of changes made to a person's data, by whom and when, is kept for "
            "%(period)s after the change."
        ),
        (r"muutoshistoria", r"muutosten historia"),
    ),
    "disclosure-copies": PolicyWording(
        _(
            "A copy of data handed over to a recipient is deleted %(period)s after it was "
            "handed over."
        ),
        (r"luovute",),
        covered_by=GENERAL_CRITERION,
        covered_reason=_("a copy that goes sooner than the data it copies"),
    ),
    "erased-people-ledger": PolicyWording(
        _(
            "Erasure reaches backups too: before a backup is ever restored, everyone erased "
            "since it was taken is erased from it again. For that, only the internal number "
            "of an erased person (no name or other data) is kept, for %(period)s after the "
            "erasure."
        ),
        (r"varmuuskop",),
        covered_by=GENERAL_CRITERION,
        covered_reason=_("a number kept only as long as a backup may still hold the person"),
    ),
    "inactive-people": PolicyWording(
        _(
            "A person who no longer has a customer relationship with us (no service used or "
            "booked, no payment open, and no occupational-health coverage, contact role, "
            "consent or ban in force) and with whom we last dealt more than %(period)s ago is "
            "removed from the register with all their data."
        ),
        (r"asiakassuhde",),
        whole_person=True,
    ),
    "accounting-vouchers": PolicyWording(
        _(
            "Payment records that the Accounting Act requires us to keep are kept for "
            "%(period)s from the end of the year in which the financial year ended, even when "
            "the person is otherwise removed from the register; they then hold only the "
            "payer's name and customer number."
        ),
        (r"kirjanpito",),
    ),
}

COUNTED_FROM_END = {
    # A period that starts from an end date, not from when the row was written.
    "ended_on": _("from the end of the role"),
}

RIGHTS = {
    "access": _("Right of access"),
    "rectification": _("Right to rectification"),
    "erasure": _("Right to erasure"),
    "restriction": _("Right to restriction of processing"),
    "portability": _("Right to data portability"),
    "objection": _("Right to object"),
}

# Who each category of data is about, for the record of processing (Art. 30(1)(c)).
DATA_SUBJECTS: dict[str, str] = {
    Category.BASIC: _("customers; contact persons of existing and prospective corporate customers"),
    Category.RELATIONSHIP: _("customers"),
    Category.OWN_CONTENT: _("people who gave feedback or answered a survey"),
    Category.INSURANCE_OCCUPATIONAL_HEALTH: _("customers"),
    Category.SERVICES_PAYMENTS: _("customers"),
    Category.CHOICES: _("customers"),
    Category.WEBSITE_USE: _("visitors of the website who accepted analytics"),
    Category.CALL_RECORDING: _("people who called customer service"),
}


def category_wording(value: str) -> Wording:
    label = Category(value).label if value in Category.values else value
    return CATEGORIES.get(value) or Wording(label, (re.escape(str(label)),))


def purpose_wording(value: str) -> Wording:
    label = Purpose(value).label if value in Purpose.values else value
    return PURPOSES.get(value) or Wording(label, (re.escape(str(label)),))


def basis_wording(value: str) -> Wording:
    label = Basis(value).label if value in Basis.values else value
    return BASES.get(value) or Wording(label, (re.escape(str(label)),))


def source_wording(value: str) -> Wording:
    label = Source(value).label if value in Source.values else value
    return SOURCES.get(value) or Wording(label, (re.escape(str(label)),))


def recipient_kind_wording(value: str) -> Wording:
    return RECIPIENT_KINDS.get(value) or Wording(value, (re.escape(value),))


def policy_wording(name: str, description: str) -> PolicyWording:
    fallback = f"{description} (%(period)s)" if description else name + ": %(period)s."
    return POLICIES.get(name) or PolicyWording(fallback, (re.escape(name),))
