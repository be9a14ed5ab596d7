"""Import the privacy notice published on 25.5.2018 as version 1, from its text in notice/seed/."""

from django.db import migrations

from notice.seed import import_seed


def import_seed_notice(apps, schema_editor):
    import_seed(apps.get_model("notice", "NoticeVersion"), apps.get_model("notice", "NoticeSection"))


class Migration(migrations.Migration):
    dependencies = [("notice", "0001_initial")]

    # A published version is immutable (a trigger); undoing the import leaves it in place.
    operations = [migrations.RunPython(import_seed_notice, migrations.RunPython.noop)]
