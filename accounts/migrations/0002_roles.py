"""Create the four staff roles. Their permissions are synchronised from accounts.roles after
every migrate, once every app's permissions exist."""

from django.db import migrations

ROLE_NAMES = ["asiakaspalvelu", "esihenkilö", "tietosuojavastaava", "markkinointi"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
