from django.conf import settings
from django.db import migrations, models


def release_shared_accounts(apps, schema_editor):
    """Before the constraint: where experts share one Microsoft account, the first to connect
    keeps it; the others are asked to reconnect (with their own account), their tokens gone."""
    Connection = apps.get_model("calendars", "CalendarConnection")
    seen = set()
    for connection in Connection.objects.order_by("connected_at", "pk"):
        key = (connection.account_tid, connection.account_oid)
        if key not in seen:
            seen.add(key)
            continue
        connection.account_oid = f"released-{connection.pk}"
        connection.home_account_id = ""
        connection.token_cache = ""
        connection.status = "reconnect_needed"
        connection.last_problem = "This Microsoft account is connected to another expert."
        connection.last_problem_kind = "reconnect"
        connection.save()


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0002_busy_fingerprint"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(release_shared_accounts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="calendarconnection",
            constraint=models.UniqueConstraint(
                fields=("account_tid", "account_oid"), name="calendarconnection_account_unique"
            ),
        ),
    ]
