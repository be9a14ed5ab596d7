from django.db import migrations

# Keep customers_knownname equal to the set of first and last names in use. A name is added
# when a person gets it and removed when the last person bearing it loses it.
CREATE = """
CREATE FUNCTION customers_known_names_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO customers_knownname (name)
        VALUES (NEW.first_name), (NEW.last_name)
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM customers_knownname k
        WHERE k.name IN (OLD.first_name, OLD.last_name)
          AND NOT EXISTS (SELECT 1 FROM customers_customer c WHERE c.last_name = k.name)
          AND NOT EXISTS (SELECT 1 FROM customers_customer c WHERE c.first_name = k.name);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_known_names
AFTER INSERT OR DELETE OR UPDATE OF first_name, last_name ON customers_customer
FOR EACH ROW EXECUTE FUNCTION customers_known_names_sync();

INSERT INTO customers_knownname (name)
SELECT first_name FROM customers_customer UNION SELECT last_name FROM customers_customer
ON CONFLICT DO NOTHING;
"""

DROP = """
DROP TRIGGER IF EXISTS customers_known_names ON customers_customer;
DROP FUNCTION IF EXISTS customers_known_names_sync();
"""


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_known_names")]

    operations = [migrations.RunSQL(CREATE, DROP)]
