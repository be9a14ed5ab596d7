"""Invented but believable Finnish demo data for `make run`. Nobody here is a real person."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoLoader, register_demo_loader
from customers.models import (
    CollectionStatus,
    Company,
    CompanyStatus,
    ContactMethod,
    ContactRole,
    Customer,
    CustomerGroup,
    GroupMembership,
    Insurance,
    OccupationalHealthContract,
    OccupationalHealthCoverage,
    PaymentStatus,
    ServiceStatus,
    ServiceUse,
    Source,
    customer_number_check_digit,
)
from customers.validators import business_id_is_valid

FIRST_NAMES = [
    "Aino",
    "Eero",
    "Helmi",
    "Juhani",
    "Kaisa",
    "Lauri",
    "Maija",
    "Mikko",
    "Noora",
    "Olli",
    "Pirjo",
    "Riku",
    "Sanna",
    "Timo",
    "Ulla",
    "Veikko",
    "Anneli",
    "Heikki",
    "Johanna",
    "Kari",
    "Leena",
    "Markku",
    "Niina",
    "Pekka",
    "Riitta",
    "Sami",
    "Tuula",
    "Ville",
    "Elina",
    "Jari",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Pesonen",
    "Hyvönen",
    "Tikkanen",
    "Karjalainen",
    "Ahonen",
    "Räsänen",
    "Savolainen",
    "Hiltunen",
    "Pelkonen",
    "Turpeinen",
]
STREETS = [
    "Kauppakatu",
    "Torikatu",
    "Siltakatu",
    "Koskikatu",
    "Rantakatu",
    "Kirkkokatu",
    "Suvantokatu",
    "Niskakatu",
    "Papinkatu",
    "Rauhankatu",
    "Kalevankatu",
    "Noljakantie",
    "Ilosaarentie",
]
CITIES = [
    ("80100", "Joensuu"),
    ("80110", "Joensuu"),
    ("80200", "Joensuu"),
    ("81700", "Lieksa"),
    ("82500", "Kitee"),
    ("83500", "Outokumpu"),
    ("75500", "Nurmes"),
    ("82900", "Ilomantsi"),
    ("81200", "Eno"),
    ("83700", "Polvijärvi"),
    ("70100", "Kuopio"),
    ("00100", "Helsinki"),
]
COMPANIES = [
    ("Karjalan Puu Oy", CompanyStatus.CUSTOMER, True),
    ("Pielisen Kuljetus Oy", CompanyStatus.CUSTOMER, False),
    ("Joensuun Kone ja Teräs Oy", CompanyStatus.CUSTOMER, True),
    ("Kolin Matkailu Oy", CompanyStatus.PROSPECT, False),
    ("Outokummun Kaivospalvelut Oy", CompanyStatus.CUSTOMER, False),
    ("Ilomantsin Leipomo Ky", CompanyStatus.PROSPECT, False),
    ("Pohjois-Karjalan Rakennus Oy", CompanyStatus.CUSTOMER, True),
    ("Saimaan Ohjelmistotalo Oy", CompanyStatus.FORMER, False),
]
TITLES = [
    "Toimitusjohtaja",
    "Henkilöstöpäällikkö",
    "HR-asiantuntija",
    "Työsuojelupäällikkö",
    "Talouspäällikkö",
    "Palkkasihteeri",
    "Tuotantopäällikkö",
    "Työsuojeluvaltuutettu",
]
SERVICES = [
    ("Työterveyslääkärin vastaanotto", Decimal("92.00")),
    ("Työterveyshoitajan vastaanotto", Decimal("58.00")),
    ("Terveystarkastus", Decimal("145.00")),
    ("Laboratoriotutkimus", Decimal("36.50")),
    ("Fysioterapeutin vastaanotto", Decimal("68.00")),
    ("Rokotus", Decimal("42.00")),
    ("Työpaikkaselvitys", Decimal("380.00")),
]
INSURERS = ["LähiTapiola", "If Vahinkovakuutus", "Pohjola Vakuutus", "Fennia", "Turva"]
GROUPS = [
    ("Avainasiakkaat", "Avainasiakasohjelmaan kuuluvien yritysten yhteyshenkilöt."),
    ("Pohjois-Karjala", "Asiakkaat maakunnan alueelta."),
    ("Yrittäjät", "Yksinyrittäjät ja pienyritysten omistajat."),
    ("Kausirokotukset", "Kausirokotuksista kiinnostuneet."),
]


def _business_id(rng: random.Random) -> str:
    while True:
        candidate = f"{rng.randint(1000000, 3299999)}-{rng.randint(0, 9)}"
        if business_id_is_valid(candidate):
            return candidate


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("äöå", "aoa"))


def load_demo_register(*, people: int = 240, seed: int = 2018) -> int:
    """Create the demo register; return how many people were created (0 when already there)."""
    if Customer.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    today = timezone.localdate()
    with transaction.atomic():
        groups = [CustomerGroup.objects.create(name=n, description=d) for n, d in GROUPS]
        companies = [
            Company.objects.create(
                name=name, business_id=_business_id(rng), status=status, is_key_account=key
            )
            for name, status, key in COMPANIES
        ]
        contracts = [
            OccupationalHealthContract.objects.create(
                company=company,
                contract_number=f"TTS-{2018 + i}-{100 + i}",
                level=rng.choice(list(OccupationalHealthContract.Level)),
                starts_on=date(2018 + i % 6, 1 + i % 12, 1),
            )
            for i, company in enumerate(companies)
            if company.status == CompanyStatus.CUSTOMER
        ]
        created = []
        for i in range(people):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            postal_code, city = rng.choice(CITIES)
            joined = timezone.now() - timedelta(days=rng.randint(0, 540), hours=rng.randint(0, 23))
            base = str(100001 + i)
            customer = Customer(
                customer_number=base + customer_number_check_digit(base),
                first_name=first,
                last_name=last,
                street_address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}"
                + (f" {rng.choice('ABC')} {rng.randint(1, 30)}" if rng.random() < 0.5 else ""),
                postal_code=postal_code,
                city=city,
                email=f"{_ascii(first)}.{_ascii(last)}{i}@esimerkki.fi",
                phone=f"+35840{rng.randint(1000000, 9999999)}",
                preferred_contact_method=rng.choice(list(ContactMethod)),
                wishes=rng.choice(
                    [
                        "",
                        "",
                        "Toivoo yhteydenottoa iltapäivisin.",
                        "Toivoo ruotsinkielistä palvelua.",
                    ]
                ),
                interests=rng.choice(["", "", "Liikunta ja hyvinvointi", "Ergonomia", "Uniasiat"]),
                created_at=joined,
            )
            customer.mark_sources(
                [
                    "first_name",
                    "last_name",
                    "street_address",
                    "postal_code",
                    "city",
                    "email",
                    "phone",
                ],
                source=Source.CUSTOMER,
                at=joined.isoformat(),
            )
            created.append(customer)
        Customer.objects.bulk_create(created)
        # The sequence continues after the demo numbers.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('customers_customer_number_seq', %s)", [100001 + people])
        roles, services, insurances, coverages, memberships = [], [], [], [], []
        for customer in created:
            if rng.random() < 0.35:
                company = rng.choice(companies)
                started = today - timedelta(days=rng.randint(30, 3000))
                ended = (
                    started + timedelta(days=rng.randint(200, 1500)) if rng.random() < 0.2 else None
                )
                roles.append(
                    ContactRole(
                        customer=customer,
                        company=company,
                        title=rng.choice(TITLES),
                        work_email=f"{_ascii(customer.first_name)}.{_ascii(customer.last_name)}@{_ascii(company.name.split()[0])}.fi",
                        started_on=started,
                        ended_on=ended if ended and ended < today else None,
                    )
                )
            for _n in range(rng.randint(0, 4)):
                service, price = rng.choice(SERVICES)
                used = today - timedelta(days=rng.randint(0, 700))
                paid = rng.random() < 0.85
                services.append(
                    ServiceUse(
                        customer=customer,
                        service=service,
                        date=used,
                        price=price,
                        status=ServiceStatus.USED if used < today else ServiceStatus.BOOKED,
                        payment_status=rng.choice(
                            [PaymentStatus.PAID, PaymentStatus.INVOICED_TO_EMPLOYER]
                        )
                        if paid
                        else PaymentStatus.UNPAID,
                        collection_status=CollectionStatus.NONE
                        if paid
                        else rng.choice(
                            [
                                CollectionStatus.NONE,
                                CollectionStatus.REMINDED,
                                CollectionStatus.IN_COLLECTION,
                            ]
                        ),
                    )
                )
            if rng.random() < 0.25:
                insurances.append(
                    Insurance(
                        customer=customer,
                        insurer=rng.choice(INSURERS),
                        policy_reference=f"{rng.randint(10000000, 99999999)}",
                    )
                )
            if contracts and rng.random() < 0.4:
                contract = rng.choice(contracts)
                coverages.append(
                    OccupationalHealthCoverage(
                        customer=customer, contract=contract, starts_on=contract.starts_on
                    )
                )
            for group in rng.sample(groups, k=rng.choice([0, 0, 1, 1, 2])):
                memberships.append(GroupMembership(customer=customer, group=group))
        ContactRole.objects.bulk_create(roles)
        ServiceUse.objects.bulk_create(services)
        Insurance.objects.bulk_create(insurances)
        OccupationalHealthCoverage.objects.bulk_create(coverages)
        GroupMembership.objects.bulk_create(memberships)
    return len(created)


register_demo_loader(DemoLoader(order=10, load=load_demo_register, adds_people=True))
