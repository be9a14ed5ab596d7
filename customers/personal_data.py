"""What customers/ holds about people, declared once (DESIGN.md, contract 1)."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Basis,
    Category,
    Delete,
    Keep,
    PersonalData,
    Purpose,
    Source,
    declare,
    not_personal,
)
from privacy.retention import RetentionPolicy

# Notice §11: contact data is kept while the person's role in the company requires it; after
# the role ends it is kept CONTACT_ROLE_RETENTION_DAYS (12 months by default), then removed.
# A person whose only reason to be in the register was the role goes with it, whole
# (privacy.erasure); anyone with another reason stays and loses only the role.
ENDED_CONTACT_ROLES = RetentionPolicy(
    name="ended-contact-roles",
    title=_("Ended contact-person roles"),
    model="customers.ContactRole",
    age_field="ended_on",
    period=timedelta(days=settings.CONTACT_ROLE_RETENTION_DAYS),
    action=Delete(),
    erase_people=True,
    description=_("A contact person's role and work contact details go 12 months after it ended."),
)

# Notice §11: PK Terveys decides when data is no longer needed. A person with no customer
# relationship left (no service used or booked within the period, no open collection, no
# occupational-health coverage or insurance in force, no contact role in force or within its
# period, no consent or ban in force, no open request, no feedback or recording still kept) and
# no contact within INACTIVITY_YEARS (added to the register, a service, feedback, a call, a
# consent recorded or withdrawn, a request: each declaration's `contact_field`) is erased whole,
# as an erasure on request would (privacy.erasure): vouchers stay for the Accounting Act.
INACTIVE_PEOPLE = RetentionPolicy(
    name="inactive-people",
    model="customers.Customer",
    age_field="created_at",
    period=relativedelta(years=settings.INACTIVITY_YEARS),
    action=Delete(),
    erase_people=True,
    batch_size=500,
    counted_from=_("the last contact, with no customer relationship left"),
    description=_(
        "A person with no customer relationship and no contact for 3 years (INACTIVITY_YEARS) "
        "is erased, with everything about them; payment records the Accounting Act requires "
        "are kept until their period ends."
    ),
)

# Kirjanpitolaki 2:10 § (customers.accounting): a voucher is kept six years from the end of the
# year during which its financial year ended. The register's record of a settled sale is kept
# that long after its person is erased, naming only who paid, then deleted. A current
# customer's service rows stay while the relationship lasts (INACTIVE_PEOPLE).
ACCOUNTING_DUTY = Keep(
    duty="kirjanpitolaki (1336/1997) 2 luku 10 §: kirjanpidon tositteet",
    period=f"{settings.ACCOUNTING_VOUCHER_YEARS} vuotta sen vuoden lopusta, jonka aikana "
    "tilikausi päättyi",
)
ACCOUNTING_VOUCHERS = RetentionPolicy(
    name="accounting-vouchers",
    model="customers.ServiceUse",
    age_field="accounting_year_end",
    period=relativedelta(years=settings.ACCOUNTING_VOUCHER_YEARS),
    action=Delete(),
    scope="detached",
    description=_(
        "Payment records of an erased person are kept as accounting vouchers for 6 years "
        "(ACCOUNTING_VOUCHER_YEARS) from the end of the year in which the financial year "
        "ended, then deleted."
    ),
)

declare(
    PersonalData(
        model="customers.Customer",
        category=Category.BASIC,
        purposes=(Purpose.CUSTOMER_CONTACT, Purpose.RELATIONSHIP, Purpose.ANALYSIS),
        basis=Basis.CONTRACT,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.ADDRESS_SERVICE),
        subject_path="",
        retention=INACTIVE_PEOPLE,
        erasure=Delete(),
        description="Name, customer number, address, contact details and preferences, "
        "wishes and interests, and where each value came from.",
        contact_field="created_at",
        keeps_person=False,
        keeps_person_reason="The person's own record: it is what is kept or erased, never a "
        "reason in itself.",
    )
)
declare(
    PersonalData(
        model="customers.ContactRole",
        category=Category.BASIC,
        purposes=(Purpose.CUSTOMER_CONTACT, Purpose.RELATIONSHIP),
        basis=Basis.CONTRACT,
        sources=(Source.DATA_SUBJECT, Source.STAFF),
        subject_path="customer",
        retention=ENDED_CONTACT_ROLES,
        erasure=Delete(),
        description="The person's role in a company and work contact details. A role with no "
        "confirmation or activity for 24 months goes onto customer service's review list "
        "and is ended if left unanswered there for 3 months (customers.services).",
        # A role keeps the person while it lasts and for the retention period after it ends;
        # a role past that period is no reason (notice §11), so a person with nothing else
        # goes with it (ENDED_CONTACT_ROLES.erase_people).
    )
)
declare(
    PersonalData(
        model="customers.ServiceUse",
        category=Category.SERVICES_PAYMENTS,
        purposes=(Purpose.RELATIONSHIP, Purpose.ANALYSIS),
        basis=Basis.CONTRACT,
        sources=(Source.DATA_SUBJECT, Source.STAFF),
        subject_path="customer",
        retention=ACCOUNTING_VOUCHERS,
        erasure=Delete(),
        duty=ACCOUNTING_DUTY,
        duty_rows="kept_for_accounting",
        keep_for_duty="keep_for_accounting",
        # A payment still owed is a legal claim: its person is not erased (GDPR Art. 17(3)(e)).
        blocks_erasure="open_collection",
        blocks_erasure_reason=_(
            "a payment is still owed or being collected (GDPR Art. 17(3)(e)); erase after "
            "it is settled"
        ),
        keeps_person_scope="in_relationship",
        contact_field="date",
        description="Services requested and used, prices, payment and collection status. "
        "On erasure a settled sale is kept as an accounting voucher, naming only who paid.",
    )
)
declare(
    PersonalData(
        model="customers.Insurance",
        category=Category.INSURANCE_OCCUPATIONAL_HEALTH,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.CONTRACT,
        sources=(Source.DATA_SUBJECT, Source.STAFF),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Insurer and policy reference concerning the person.",
        keeps_person_scope="in_force",
    )
)
declare(
    PersonalData(
        model="customers.OccupationalHealthCoverage",
        category=Category.INSURANCE_OCCUPATIONAL_HEALTH,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.CONTRACT,
        sources=(Source.STAFF,),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="The person's coverage under an occupational-health contract.",
        keeps_person_scope="in_force",
    )
)
declare(
    PersonalData(
        model="customers.GroupMembership",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.ANALYSIS,),
        basis=Basis.CONTRACT,
        sources=(Source.STAFF,),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Customer groups for analysis and the key-account programme.",
        keeps_person=False,
        keeps_person_reason="A grouping for analysis is no customer relationship.",
    )
)

not_personal("customers.Company", reason="A legal person; its people are in ContactRole.")
not_personal("customers.OccupationalHealthContract", reason="A contract between companies.")
not_personal("customers.CustomerGroup", reason="A group's name and description.")
not_personal(
    "customers.KnownName",
    reason="Distinct name strings for typo-tolerant search, linked to nobody; a name is "
    "removed with the last person bearing it.",
)
