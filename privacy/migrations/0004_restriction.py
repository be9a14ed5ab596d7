"""Restriction of processing moves here from consents, with every row and its history."""

import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


# The rows keep their ids, and their history its rows, so links and the change history stay
# whole. The copy must not add history of its own: the new table's history triggers are off
# while it runs (the pending foreign-key checks run first, or ALTER TABLE would refuse).
COPY_FROM_CONSENTS = """
ALTER TABLE privacy_restriction DISABLE TRIGGER USER;
INSERT INTO privacy_restriction
    (id, customer_id, reason, set_at, set_by_id, lifted_at, lifted_by_id, lift_reason)
SELECT id, customer_id, reason, set_at, set_by_id, lifted_at, lifted_by_id, lift_reason
FROM consents_restriction;
INSERT INTO privacy_restrictionevent
    (pgh_id, pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id,
     id, customer_id, reason, set_at, set_by_id, lifted_at, lifted_by_id, lift_reason)
SELECT pgh_id, pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id,
     id, customer_id, reason, set_at, set_by_id, lifted_at, lifted_by_id, lift_reason
FROM consents_restrictionevent;
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE privacy_restriction ENABLE TRIGGER USER;
SELECT setval(pg_get_serial_sequence('privacy_restriction', 'id'),
              COALESCE((SELECT MAX(id) FROM privacy_restriction), 0) + 1, false);
SELECT setval(pg_get_serial_sequence('privacy_restrictionevent', 'pgh_id'),
              COALESCE((SELECT MAX(pgh_id) FROM privacy_restrictionevent), 0) + 1, false);
SET CONSTRAINTS ALL DEFERRED;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('consents', '0004_restriction_release_index_name'),
        ('customers', '0006_search_by_known_names'),
        ('pghistory', '0007_auto_20250421_0444'),
        ('privacy', '0003_erasure_record'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Restriction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='reason')),
                ('set_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='set')),
                ('lifted_at', models.DateTimeField(blank=True, null=True, verbose_name='lifted')),
                ('lift_reason', models.TextField(blank=True, verbose_name='reason for lifting')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='restrictions', to='customers.customer', verbose_name='customer')),
                ('lifted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='lifted by')),
                ('set_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='set by')),
            ],
            options={
                'verbose_name': 'restriction of processing',
                'verbose_name_plural': 'restrictions of processing',
                'ordering': ['-set_at', '-pk'],
                'permissions': [('edit_restricted', 'Can change a customer whose processing is restricted')],
            },
        ),
        migrations.CreateModel(
            name='RestrictionEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('reason', models.TextField(verbose_name='reason')),
                ('set_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='set')),
                ('lifted_at', models.DateTimeField(blank=True, null=True, verbose_name='lifted')),
                ('lift_reason', models.TextField(blank=True, verbose_name='reason for lifting')),
                ('customer', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='customers.customer', verbose_name='customer')),
                ('lifted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='lifted by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='privacy.restriction')),
                ('set_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='set by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='restriction',
            constraint=models.UniqueConstraint(condition=models.Q(('lifted_at__isnull', True)), fields=('customer',), name='restriction_one_in_force'),
        ),
        migrations.AddConstraint(
            model_name='restriction',
            constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='restriction_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='restriction',
            constraint=models.CheckConstraint(condition=models.Q(('lifted_at__isnull', True), models.Q(('lifted_by__isnull', False), models.Q(('lift_reason', ''), _negated=True)), _connector='OR'), name='restriction_lifted_with_reason'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='restriction',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "privacy_restrictionevent" ("customer_id", "id", "lift_reason", "lifted_at", "lifted_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "set_at", "set_by_id") VALUES (NEW."customer_id", NEW."id", NEW."lift_reason", NEW."lifted_at", NEW."lifted_by_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reason", NEW."set_at", NEW."set_by_id"); RETURN NULL;', hash='5623ac208bdd54c88bf17418abb85255080ff0b7', operation='INSERT', pgid='pgtrigger_insert_insert_e0aa2', table='privacy_restriction', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='restriction',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "privacy_restrictionevent" ("customer_id", "id", "lift_reason", "lifted_at", "lifted_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "set_at", "set_by_id") VALUES (NEW."customer_id", NEW."id", NEW."lift_reason", NEW."lifted_at", NEW."lifted_by_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reason", NEW."set_at", NEW."set_by_id"); RETURN NULL;', hash='43a7194aaeadbf587d35a5b53e3fb714344533f6', operation='UPDATE', pgid='pgtrigger_update_update_a39c0', table='privacy_restriction', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='restriction',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "privacy_restrictionevent" ("customer_id", "id", "lift_reason", "lifted_at", "lifted_by_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "set_at", "set_by_id") VALUES (OLD."customer_id", OLD."id", OLD."lift_reason", OLD."lifted_at", OLD."lifted_by_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."reason", OLD."set_at", OLD."set_by_id"); RETURN NULL;', hash='bb182d4c54d9c4937fdda02238190e1cb24c8912', operation='DELETE', pgid='pgtrigger_delete_delete_1a7a9', table='privacy_restriction', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='restrictionevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='092375230b44a74a23cd221d11df2932d524b09c', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_c3c01', table='privacy_restrictionevent', when='BEFORE')),
        ),
        migrations.RunSQL(COPY_FROM_CONSENTS, reverse_sql=migrations.RunSQL.noop),
    ]
