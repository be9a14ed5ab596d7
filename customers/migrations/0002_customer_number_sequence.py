from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        # Customer numbers are the sequence value plus a 7-3-1 check digit (customers.models).
        migrations.RunSQL(
            "CREATE SEQUENCE customers_customer_number_seq START WITH 100001",
            "DROP SEQUENCE customers_customer_number_seq",
        ),
    ]
