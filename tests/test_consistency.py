"""One way to say a thing everywhere (issue 17, item 8): phone numbers through one filter, a
count and its noun through ngettext (Finnish: "1 päivä", "2 päivää"), one label for an empty
choice."""

from __future__ import annotations

import copy
import importlib
import inspect
import re
from pathlib import Path

import polib
from django import forms
from django.conf import settings
from django.contrib import admin

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "fi" / "LC_MESSAGES" / "django.po"

# A number placeholder (%(x)d, or a %(x)s named as a count) then an English plural noun,
# perhaps after an adjective: "%(n)d days left", "%(total)s people", "%(rows)d failed rows".
_COUNT_NAMES = "count|counter|total|rows|files|written|n|number_of|people"
COUNT_THEN_NOUN = re.compile(
    rf"%\((?:\w+\)d|(?:{_COUNT_NAMES})\)s)\s+(?!was\b|has\b|is\b)(?:[a-z-]+\s+)?(?:people|[a-z]+s)\b"
)
# Strings with a count and a noun that are right for every number as they stand, and why.
COUNT_WITHOUT_PLURAL = {
    # Finnish puts a noun after a numeral in the singular in these cases (translative,
    # genitive, adessive): "1 minuutiksi", "15 minuutiksi"; "5 epäonnistuneen yrityksen jälkeen".
    "signing in is locked for %(minutes)d minutes after %(failures)d failed attempts",
    "a session left idle ends after %(minutes)d minutes",
    "Resumed %(day)s after %(days)d days; due %(due)s.",
    "Extended by %(months)d months, due %(due)s: %(reason)s",
    "Retention in the next %(days)d days",
    "These requests are due within %(days)d days or overdue:",
    # The noun comes first in Finnish: "Sähköposteja lähetetään 1".
    "%(email)d emails are being sent, %(letter)d letters to post, "
    "%(unreachable)d people cannot be reached.",
    # The noun comes first in Finnish: "kirjoitettuja henkilöitä 1".
    "The export has stopped: its job has not reported since %(time)s (%(written)s people "
    "written). Nothing was disclosed. Start it again to write the file from the beginning.",
    # "pv" (päivää) is the abbreviation, right for every number: "myöhässä 1 pv".
    "%(days)d days late (due %(date)s)",
    "due %(date)s, %(days)d days left",
    # The noun comes first in Finnish: "virheitä 1".
    "%(status)s, started %(when)s, %(errors)d errors",
    # The review's periods (CONTACT_ROLE_REVIEW_MONTHS 24, grace 3): Finnish puts the noun in
    # the singular after them ("24 kuukauteen", "3 kuukauden kuluessa").
    "Customer service checks a contact person's role when it has not been confirmed for "
    "%(months)d months; a role not confirmed within %(grace)d months of that ends.",
    # A limit that is never 1 (MAX_PEOPLE_SEARCHED).
    "The search found more than %(count)d people: add to it to narrow it down.",
    # Shown only for an estimate, which only a register of many thousands gets.
    "About %(count)s customers in the register.",
    # Limits of a field: never 1.
    "The text is too long: at most %(count)d characters.",
    "The source is longer than %(count)d characters.",
}


def test_a_count_and_its_noun_are_translated_with_plural_forms():
    singular_only = [
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE))
        if not entry.obsolete
        and not entry.msgid_plural
        and COUNT_THEN_NOUN.search(entry.msgid)
        and entry.msgid not in COUNT_WITHOUT_PLURAL
    ]
    assert singular_only == [], (
        "Write these with ngettext / {% blocktranslate count %} (Finnish: 1 päivä, 2 päivää)"
    )


def test_finnish_plural_entries_use_the_singular_for_one_and_the_partitive_for_more():
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or not entry.msgid_plural:
            continue
        one, many = entry.msgstr_plural[0], entry.msgstr_plural[1]
        assert one and many, entry.msgid
        # Nominative plurals after a number are the mistake this catches ("6 poistoajot").
        assert not re.search(r"%\(\w+\)[sd] \w+(?:ot|et|at|ät|öt|it)\b", many), (entry.msgid, many)


# --- One label for an empty choice ---------------------------------------------------------------

EMPTY_OPTION = re.compile(r'<option value=""[^>]*>([^<]*)</option>')
PROJECT_FORM_MODULES = [
    "calls.forms",
    "consents.forms",
    "customers.forms",
    "dsar.forms",
    "feedback.forms",
    "breaches.forms",
]


def _empty_option_labels(form: forms.BaseForm) -> dict[str, list[str]]:
    labels = {}
    for bound in form:
        if (
            isinstance(bound.field.widget, forms.Select)
            and getattr(bound.field, "queryset", "") is not None
        ):
            html = str(bound)
            labels[bound.html_name] = EMPTY_OPTION.findall(html)
    return labels


def _project_forms() -> list[tuple[str, forms.BaseForm]]:
    found = []
    for module_name in PROJECT_FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module_name
            ):
                try:
                    form = value()
                except TypeError:  # a form built for one object: its selects are rendered below
                    form = value.__new__(value)
                    forms.BaseForm.__init__(form)
                    form.fields = copy.deepcopy(value.base_fields)
                found.append((f"{module_name}.{name}", form))
    return found


def test_every_select_labels_its_empty_choice_the_same_way(db, privacy_officer, rf):
    request = rf.get("/admin/")
    request.user = privacy_officer
    candidates = _project_forms()
    for model, model_admin in admin.site._registry.items():
        form_class = model_admin.get_form(request)
        candidates.append((f"admin {model._meta.label}", form_class()))
    seen = 0
    wrong = {}
    for where, form in candidates:
        for field, labels in _empty_option_labels(form).items():
            seen += len(labels)
            if any(label != "(ei valittu)" for label in labels):
                wrong[f"{where}.{field}"] = labels
    assert wrong == {}
    assert seen > 10  # the walk reached the selects


# --- Phone numbers through one filter -----------------------------------------------------------

# Template output of a value whose name says it is a phone number.
PHONE_OUTPUT = re.compile(r"\{\{\s*([\w.]*(?:phone|caller_number)[\w.]*)\s*(\|[^}]*)?\}\}")


def test_templates_print_phone_numbers_only_through_the_phone_filter():
    raw = []
    for template in (ROOT / "templates").rglob("*.*"):
        text = template.read_text()
        for match in PHONE_OUTPUT.finditer(text):
            value, filters = match[1], match[2] or ""
            if value.startswith("controller.") or f"{value}=controller.phone" in text:
                continue  # the controller's switchboard number, written as the notice writes it
            if not filters.startswith("|phone") or re.search(r"\.as_\w+", value):
                raw.append(f"{template.relative_to(ROOT)}: {match[0]}")
    assert raw == [], "Print phone numbers with |phone (national for Finnish numbers)"


def test_the_phone_filter_writes_finnish_numbers_nationally_and_others_internationally():
    from accounts.templatetags.register_tags import phone

    assert phone("+358408095987") == "040 8095987"
    assert phone("+3589123456") == "09 123456"
    assert phone("+46701234567") == "+46 70 123 45 67"
    assert phone("") == "" and phone(None) == ""


def test_hand_written_selects_label_their_empty_choice_the_same_way():
    # "Channel…" names the select on each consent line, whose label is visually hidden.
    allowed = {'{% translate "(none chosen)" %}', '{% translate "Channel…" %}'}
    other = [
        f"{template.relative_to(ROOT)}: {label}"
        for template in (ROOT / "templates").rglob("*.html")
        for label in re.findall(r'<option value="">(.*?)</option>', template.read_text())
        if label not in allowed
    ]
    assert other == []


def test_the_read_only_admin_is_defined_once():
    """Audit rows, ledgers and records of runs are read-only in the admin through one base
    (audit.admin.ReadOnlyAdmin, ReadOnlyMixin for inlines), not a copy per app."""
    definitions = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.glob("*/admin.py")
        if re.search(r"^class ReadOnly\w*\(", path.read_text(), re.MULTILINE)
    ]
    assert definitions == ["audit/admin.py"]
