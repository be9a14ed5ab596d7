"""The requests' yearly reference counter moves to audit.ReferenceCounter (prefix TSP), the one
counter of every register; its rows are copied first, so no number is ever given twice."""

from django.db import migrations

PREFIX = "TSP"


def copy_counters(apps, schema_editor):
    Old = apps.get_model("dsar", "ReferenceCounter")
    New = apps.get_model("audit", "ReferenceCounter")
    for old in Old.objects.all():
        New.objects.update_or_create(prefix=PREFIX, year=old.year, defaults={"last": old.last})


def copy_counters_back(apps, schema_editor):
    Old = apps.get_model("dsar", "ReferenceCounter")
    New = apps.get_model("audit", "ReferenceCounter")
    for new in New.objects.filter(prefix=PREFIX):
        Old.objects.update_or_create(year=new.year, defaults={"last": new.last})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_referencecounter"),
        ("dsar", "0006_action_outcomes"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_counters_back),
        migrations.DeleteModel(name="ReferenceCounter"),
    ]
