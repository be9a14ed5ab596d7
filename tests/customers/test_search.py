"""The search finds what staff type."""

from __future__ import annotations

import pytest
from django.db import connection

from customers.models import KnownName
from customers.search import Kind, classify, search_customers
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "matti": CustomerFactory(
            first_name="Matti",
            last_name="Virtanen",
            email="matti.virtanen@posti.fi",
            phone="+358401234567",
        ),
        "liisa": CustomerFactory(
            first_name="Liisa",
            last_name="Korhonen",
            email="liisa@karjala.fi",
            phone="+358507654321",
        ),
        "pekka": CustomerFactory(
            first_name="Pekka",
            last_name="Hämäläinen",
            email="pekka.h@example.fi",
            phone="+358443334444",
        ),
    }


def found(query: str) -> list[str]:
    return [c.last_name for c in search_customers(query).page.object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("virt", ["Virtanen"]),
        ("Virtanen", ["Virtanen"]),
        ("VIRTANEN", ["Virtanen"]),
        ("matti virt", ["Virtanen"]),
        ("Virtanen Matti", ["Virtanen"]),
        ("hämäl", ["Hämäläinen"]),
    ],
)
def test_name_fragments(people, query, expected):
    assert found(query) == expected


@pytest.mark.parametrize("typo", ["Virtnaen", "Virtasen", "Korhnen", "Korhosen", "Hämälänen"])
def test_a_typo_in_a_name_is_offered_apart_not_as_a_result(people, typo):
    result = search_customers(typo)
    assert result.count == 0 and found(typo) == []
    assert [c.last_name for c in result.near] in (["Virtanen"], ["Korhonen"], ["Hämäläinen"])


@pytest.mark.parametrize(
    "phone",
    [
        "040 123 4567",
        "0401234567",
        "+358 40 123 4567",
        "+358401234567",
        "040-1234567",
        "(040) 123 4567",
    ],
)
def test_phone_in_any_notation(people, phone):
    assert classify(phone) == Kind.PHONE
    assert found(phone) == ["Virtanen"]


@pytest.mark.parametrize(
    "fragment", ["matti.virtanen@posti.fi", "virtanen@", "@posti.fi", "posti.fi", "matti.virtanen"]
)
def test_email_and_email_fragments(people, fragment):
    assert found(fragment) == ["Virtanen"]


def test_customer_number_opens_the_persons_page(people, clerk, client_for):
    number = people["liisa"].customer_number
    response = client_for(clerk).get("/asiakkaat/", {"q": number})
    assert response.status_code == 302
    assert response.url == f"/asiakkaat/{people['liisa'].pk}/"


def test_a_mistyped_customer_number_finds_nobody(people):
    number = people["liisa"].customer_number
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert found(typo) == []


def test_company_name_and_business_id_find_its_contact_persons(people):
    company = CompanyFactory(name="Karjalan Puu Oy", business_id="1769016-7")
    ContactRoleFactory(customer=people["pekka"], company=company)
    assert found("Karjalan Puu") == ["Hämäläinen"]
    assert found("1769016-7") == ["Hämäläinen"]


def test_results_are_paginated_sortable_and_counted(clerk, client_for):
    for i in range(30):
        CustomerFactory(first_name=f"Etu{i:02d}", last_name="Nieminen", city=f"Kaupunki{i:02d}")
    client = client_for(clerk)
    first = client.get("/asiakkaat/", {"q": "Nieminen", "sort": "city"})
    body = first.content.decode()
    assert "30 tulosta haulle ”Nieminen”" in body or "30 tulosta" in body
    assert first.context["result"].count == 30
    assert len(first.context["result"].page.object_list) == 25
    assert [c.city for c in first.context["result"].page.object_list][:2] == [
        "Kaupunki00",
        "Kaupunki01",
    ]
    second = client.get("/asiakkaat/", {"q": "Nieminen", "sort": "-city", "page": 2})
    assert len(second.context["result"].page.object_list) == 5
    assert second.context["result"].page.object_list[-1].city == "Kaupunki00"


def test_nothing_found_says_so(clerk, client_for):
    body = client_for(clerk).get("/asiakkaat/", {"q": "Zyxwvu"}).content.decode()
    assert "Ei tuloksia" in body


def test_search_box_is_on_every_page_and_focused(clerk, client_for):
    body = client_for(clerk).get("/").content.decode()
    assert 'name="q"' in body and "autofocus" in body.split('name="q"', 1)[1].split(">", 1)[0]


def test_list_page_query_count_does_not_grow(clerk, client_for, django_assert_max_num_queries):
    client = client_for(clerk)
    for _ in range(3):
        CustomerFactory(last_name="Laine")
    # 18: with the access-log INSERT of the people shown.
    with django_assert_max_num_queries(18) as small:
        client.get("/asiakkaat/", {"q": "Laine"})
    for _ in range(40):
        CustomerFactory(last_name="Laine")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/asiakkaat/", {"q": "Laine"})


def _ranked(query: str, **options) -> list[tuple[str, str]]:
    result = search_customers(query, **options)
    return [(c.last_name, c.first_name) for c in result.page.object_list]


def test_whole_names_come_first_then_the_rest_by_name():
    CustomerFactory(first_name="Aino", last_name="Lainela")
    CustomerFactory(first_name="Laine", last_name="Aaltonen")  # a first name, whole
    CustomerFactory(first_name="Veera", last_name="Laine")
    CustomerFactory(first_name="Eino", last_name="Kalainen")
    assert _ranked("laine") == [
        ("Aaltonen", "Laine"),
        ("Laine", "Veera"),
        ("Kalainen", "Eino"),
        ("Lainela", "Aino"),
    ]


def test_a_person_matching_by_both_names_is_listed_and_counted_once():
    CustomerFactory(first_name="Mäki", last_name="Mäkinen")
    CustomerFactory(first_name="Mäkinen", last_name="Mäki")
    result = search_customers("mäki")
    assert result.count == 2
    assert _ranked("mäki") == [("Mäki", "Mäkinen"), ("Mäkinen", "Mäki")]


def test_pages_run_across_the_ranks_without_gaps_or_repeats(clerk, client_for):
    for i in range(20):
        CustomerFactory(first_name=f"Etu{i:02d}", last_name="Salo")
    for i in range(20):
        CustomerFactory(first_name=f"Etu{i:02d}", last_name="Salonen")
    for i in range(5):
        CustomerFactory(first_name="Salo", last_name=f"Suku{i:02d}")
    everyone = []
    for page in (1, 2):
        result = search_customers("salo", page_number=page)
        assert result.count == 45
        everyone += [(c.last_name, c.first_name) for c in result.page.object_list]
    assert len(everyone) == len(set(everyone)) == 45
    whole = [name for name in everyone[:25] if "Salo" in name]
    assert len(whole) == 25  # 25 whole-name matches (Salo as first or last name) first
    assert everyone[25:] == [("Salonen", f"Etu{i:02d}") for i in range(20)]


def test_sorting_by_name_both_ways():
    for last, first in [("Koivisto", "Ulla"), ("Koivula", "Anna"), ("Koivu", "Pirjo")]:
        CustomerFactory(first_name=first, last_name=last)
    assert [n for n, _ in _ranked("koivu", sort="name")] == ["Koivisto", "Koivu", "Koivula"][1:]
    assert [n for n, _ in _ranked("koiv", sort="name")] == ["Koivisto", "Koivu", "Koivula"]
    assert [n for n, _ in _ranked("koiv", sort="-name")] == ["Koivula", "Koivu", "Koivisto"]


def test_the_nearest_name_to_a_typo_comes_first():
    CustomerFactory(first_name="Heikki", last_name="Aaltonen")
    CustomerFactory(first_name="Anna", last_name="Heikkilä")
    assert _ranked("Heikkliä") == []
    assert _near("Heikkliä")[0] == ("Heikkilä", "Anna")


@pytest.mark.parametrize("large_from", [0, 20_000])
def test_first_name_matches_page_the_same_however_many_they_are(monkeypatch, large_from):
    """A large part matched by first name alone is paged by walking the name index, a small
    one is read whole and sorted; both give the same pages."""
    from customers import search

    monkeypatch.setattr(search, "LARGE_FIRST_NAME_PART", large_from)
    for i in range(30):
        CustomerFactory(first_name="Annika", last_name=f"Suku{i:02d}")
    CustomerFactory(first_name="Eero", last_name="Annikainen")
    pages = [
        [(c.last_name, c.first_name) for c in search_customers("annik", page_number=n).page]
        for n in (1, 2)
    ]
    assert pages[0][0] == ("Annikainen", "Eero")
    assert pages[0][1:] == [(f"Suku{i:02d}", "Annika") for i in range(24)]
    assert pages[1] == [(f"Suku{i:02d}", "Annika") for i in range(24, 30)]


# --- Exact results and approximate matches, never mixed -----------------------------------------


def _near(query: str) -> list[tuple[str, str]]:
    return [(c.last_name, c.first_name) for c in search_customers(query).near]


@pytest.fixture
def aino_ahonen():
    CustomerFactory(first_name="Aino", last_name="Ahonen")
    CustomerFactory(first_name="Liisa", last_name="Korhonen")
    CustomerFactory(first_name="Matti", last_name="Virtanen")
    CustomerFactory(first_name="Matti", last_name="Mattila")
    CustomerFactory(first_name="Eveliina", last_name="Mattila")


def test_a_near_name_is_no_result_but_an_approximate_match(aino_ahonen):
    result = search_customers("Korhonen Aino")
    assert result.count == 0 and list(result.page.object_list) == []
    assert ("Ahonen", "Aino") in _near("Korhonen Aino")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("matti v", [("Virtanen", "Matti")]),
        ("virtanen matti", [("Virtanen", "Matti")]),
        ("Matti Mattila", [("Mattila", "Matti")]),
        ("ahonen aino", [("Ahonen", "Aino")]),
    ],
)
def test_two_words_are_first_and_last_name_together(aino_ahonen, query, expected):
    """ "matti v" is not Eveliina Mattila (Matti in the last name, v in the first)."""
    result = search_customers(query)
    assert _ranked(query) == expected
    assert result.count == len(expected)
    assert result.near == []


def test_both_words_in_one_name_still_match():
    CustomerFactory(first_name="Anna Maria", last_name="Lind")
    assert _ranked("anna maria") == [("Lind", "Anna Maria")]


def test_two_words_rank_whole_names_first_and_count_everyone_once():
    CustomerFactory(first_name="Matti", last_name="Mattila")  # first and last either way
    CustomerFactory(first_name="Matti", last_name="Maunu")
    CustomerFactory(first_name="Mattias", last_name="Mansikka")
    CustomerFactory(first_name="Maria", last_name="Mattila")
    CustomerFactory(first_name="Matti", last_name="Aalto")
    assert search_customers("matti ma").count == 4
    assert _ranked("matti ma") == [
        ("Mattila", "Matti"),
        ("Maunu", "Matti"),
        ("Mansikka", "Mattias"),
        ("Mattila", "Maria"),
    ]
    by_name = [
        ("Mansikka", "Mattias"),
        ("Mattila", "Maria"),
        ("Mattila", "Matti"),
        ("Maunu", "Matti"),
    ]
    assert _ranked("matti ma", sort="name") == by_name
    assert _ranked("matti ma", sort="-name") == by_name[::-1]


def test_two_word_pages_run_across_the_ranks_without_gaps_or_repeats():
    for i in range(20):
        CustomerFactory(first_name="Antti", last_name=f"Koski{i:02d}")
    for i in range(10):
        CustomerFactory(first_name="Kalle", last_name=f"Anttila{i:02d}")
    pages = [search_customers("antti k", page_number=n) for n in (1, 2)]
    assert [page.count for page in pages] == [30, 30]
    everyone = [(c.last_name, c.first_name) for page in pages for c in page.page.object_list]
    assert everyone == [(f"Koski{i:02d}", "Antti") for i in range(20)] + [
        (f"Anttila{i:02d}", "Kalle") for i in range(10)
    ]


@pytest.fixture
def linguistic_collation():
    """Names compared as under the postgres image's default locale (en_US.utf8), which puts
    "Kärkkäinen" before "Korhonen"; the test database's C collation puts "ä" after "z"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("PostgreSQL built without ICU")
        # The name dictionary's trigger names the columns; the test fills the dictionary.
        cursor.execute("DROP TRIGGER customers_known_names ON customers_customer")
        cursor.execute(
            'ALTER TABLE customers_customer ALTER first_name TYPE varchar(100) COLLATE "en-x-icu", '
            'ALTER last_name TYPE varchar(100) COLLATE "en-x-icu"'
        )
        cursor.execute(
            'ALTER TABLE customers_knownname ALTER name TYPE varchar(100) COLLATE "en-x-icu"'
        )


def test_a_short_word_finds_every_name_beginning_with_it_whatever_the_collation(
    linguistic_collation,
):
    for last_name in ["Kaarlo", "Korhonen", "Kuusela", "Kärkkäinen", "Laine"]:
        CustomerFactory(first_name="Matti", last_name=last_name)
    KnownName.objects.add_missing()
    assert sorted(last for last, _first in _ranked("matti k")) == [
        "Kaarlo",
        "Korhonen",
        "Kuusela",
        "Kärkkäinen",
    ]


@pytest.mark.parametrize("typo", ["Ahnoen", "Ahoenn", "Ahonne"])
def test_two_swapped_letters_offer_the_name_as_an_approximate_match(aino_ahonen, typo):
    result = search_customers(typo)
    assert result.count == 0 and list(result.page.object_list) == []
    assert _near(typo)[0] == ("Ahonen", "Aino")


def test_a_typo_never_counts_people_with_a_similar_first_name():
    CustomerFactory(first_name="Heikki", last_name="Aaltonen")
    CustomerFactory(first_name="Anna", last_name="Heikkinen")
    result = search_customers("Heikkienn")
    assert result.count == 0
    assert _near("Heikkienn")[0] == ("Heikkinen", "Anna")


@pytest.mark.parametrize(
    "partial", ["040 809", "040809", "040-809 5", "+358 40 809", "+3584080", "(040) 8095"]
)
def test_the_beginning_of_a_phone_number_finds_the_person(partial):
    CustomerFactory(last_name="Puhelin", phone="+358408095987")
    CustomerFactory(last_name="Toinen", phone="+358408195987")
    CustomerFactory(last_name="Kolmas", phone="+358508095987")
    assert classify(partial) == Kind.PHONE
    assert found(partial) == ["Puhelin"]


def test_five_digits_are_no_phone_number():
    CustomerFactory(last_name="Puhelin", phone="+358408095987")
    assert found("040 80") == []


def test_the_page_labels_approximate_matches_and_does_not_count_them(
    aino_ahonen, clerk, client_for
):
    body = client_for(clerk).get("/asiakkaat/", {"q": "Korhonen Aino"}).content.decode()
    results, near = body.split("Lähimmät osumat: tarkista nimi", 1)
    assert "0 tulosta" in results and "Ahonen, Aino" not in results
    assert "Ahonen, Aino" in near


def test_exact_results_show_no_approximate_section(aino_ahonen, clerk, client_for):
    body = client_for(clerk).get("/asiakkaat/", {"q": "Ahonen"}).content.decode()
    assert "1 tulos" in body and "Lähimmät osumat" not in body


def test_approximate_page_query_count_does_not_grow(
    clerk, client_for, django_assert_max_num_queries
):
    client = client_for(clerk)
    CustomerFactory(first_name="Aino", last_name="Ahonen")
    with django_assert_max_num_queries(19) as small:
        client.get("/asiakkaat/", {"q": "Ahnoen"})
    for _ in range(30):
        CustomerFactory(last_name="Ahonen")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/asiakkaat/", {"q": "Ahnoen"})
