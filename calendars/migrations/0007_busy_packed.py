from django.db import migrations, models


def distrust_fingerprints(apps, schema_editor):
    # No connection has its packed busy times yet: until its next sync writes them, the
    # slot finder reads the rows (an empty fingerprint also makes that sync store afresh).
    apps.get_model("calendars", "CalendarConnection").objects.update(busy_fingerprint="")


class Migration(migrations.Migration):
    dependencies = [("calendars", "0006_subscriptions")]

    operations = [
        migrations.AddField(
            model_name="calendarconnection",
            name="busy_packed",
            field=models.BinaryField(blank=True, default=b"", editable=False),
        ),
        migrations.RunPython(distrust_fingerprints, migrations.RunPython.noop),
    ]
