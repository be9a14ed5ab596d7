"""Restrictions move to privacy (a right of the person, GDPR Art. 18). First free the name of the
unique index the new table's constraint takes; privacy/0004 copies the rows, then 0005 drops
the old tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0003_audienceexport_heartbeat"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="restriction", name="restriction_one_in_force"),
    ]
