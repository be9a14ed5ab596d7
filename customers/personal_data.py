"""What customers/ holds about people, declared once (DESIGN.md, contract 1)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Basis,
    Category,
    Delete,
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

declare(
    PersonalData(
        model="customers.Customer",
        category=Category.BASIC,
        purposes=(Purpose.CUSTOMER_CONTACT, Purpose.RELATIONSHIP, Purpose.ANALYSIS),
        basis=Basis.CONTRACT,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.ADDRESS_SERVICE),
        subject_path="",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Name, customer number, address, contact details and preferences, "
        "wishes and interests, and where each value came from.",
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
        description="The person's role in a company and work contact details.",
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
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Services requested and used, prices, payment and collection status.",
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
