"""Restrictions now live in privacy (privacy/0004 copied every row and its history)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consents', '0004_restriction_release_index_name'),
        ('privacy', '0004_restriction'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='restrictionevent',
            name='pgh_obj',
        ),
        migrations.RemoveField(
            model_name='restrictionevent',
            name='customer',
        ),
        migrations.RemoveField(
            model_name='restrictionevent',
            name='lifted_by',
        ),
        migrations.RemoveField(
            model_name='restrictionevent',
            name='pgh_context',
        ),
        migrations.RemoveField(
            model_name='restrictionevent',
            name='set_by',
        ),
        migrations.DeleteModel(
            name='Restriction',
        ),
        migrations.DeleteModel(
            name='RestrictionEvent',
        ),
    ]
