"""Blank the form data of stored failed logins: before axes knew the two-factor form's
"auth-password" field, it kept what was typed there in clear (issue 15, item 1)."""

from django.db import migrations


def blank_post_data(apps, schema_editor):
    AccessAttempt = apps.get_model("axes", "AccessAttempt")
    # What else the form posted (the username, the wizard's step, the CSRF token) is either in
    # its own column or worthless, so the whole text goes rather than a pattern over it that a
    # password with a line break could slip past.
    AccessAttempt.objects.exclude(post_data="").update(post_data="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(blank_post_data, migrations.RunPython.noop)]
