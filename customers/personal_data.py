from __future__ import annotations

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    Source,
    declare,
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
        description="Name, customer number and contact details.",
    )
)
