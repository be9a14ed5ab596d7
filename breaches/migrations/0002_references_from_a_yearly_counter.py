"""Breach references come from audit.ReferenceCounter (prefix TSL) from now on, not from the
row's id: the counter starts each year after the highest number already given, so a new
reference never repeats an old one."""

import re

from django.db import migrations

PREFIX = "TSL"
REFERENCE = re.compile(rf"^{PREFIX}-(\d{{4}})-(\d+)$")


def seed_counters(apps, schema_editor):
    Breach = apps.get_model("breaches", "Breach")
    Counter = apps.get_model("audit", "ReferenceCounter")
    last: dict[int, int] = {}
    for reference in Breach.objects.values_list("reference", flat=True).iterator():
        match = REFERENCE.match(reference)
        if match:
            year, number = int(match.group(1)), int(match.group(2))
            last[year] = max(last.get(year, 0), number)
    for year, number in last.items():
        Counter.objects.update_or_create(prefix=PREFIX, year=year, defaults={"last": number})


def forget_counters(apps, schema_editor):
    apps.get_model("audit", "ReferenceCounter").objects.filter(prefix=PREFIX).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_referencecounter"),
        ("breaches", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed_counters, forget_counters)]
