"""Import the privacy notice published on 25.5.2018 as version 1, from its text in notice/seed/."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

from notice.seed import SEED_DATE, read_seed


def import_seed(apps, schema_editor):
    NoticeVersion = apps.get_model("notice", "NoticeVersion")
    NoticeSection = apps.get_model("notice", "NoticeSection")
    if NoticeVersion.objects.filter(number=1).exists():
        return
    version = NoticeVersion.objects.create(
        number=1,
        effective_on=SEED_DATE,
        published_at=datetime(
            SEED_DATE.year, SEED_DATE.month, SEED_DATE.day, tzinfo=ZoneInfo("Europe/Helsinki")
        ),
        published_by=None,
        facts=None,
    )
    NoticeSection.objects.bulk_create(
        NoticeSection(version=version, language="fi", number=number, heading=heading, body=body)
        for number, heading, body in read_seed()
    )


class Migration(migrations.Migration):
    dependencies = [("notice", "0001_initial")]

    # A published version is immutable (a trigger); undoing the import leaves it in place.
    operations = [migrations.RunPython(import_seed, migrations.RunPython.noop)]
