from django.db import migrations

# Two live bookings (requested or accepted) of one expert can never overlap: PostgreSQL
# enforces it, so a race between two customers leaves exactly one booking. SQLite has no
# exclusion constraints; there writers are serialised (transaction_mode IMMEDIATE) and the
# overlap check runs inside the transaction.
CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT booking_live_no_overlap
  EXCLUDE USING gist (expert_id WITH =, tstzrange(start, "end", '[)') WITH &&)
  WHERE (status IN ('requested', 'accepted'));
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_live_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
