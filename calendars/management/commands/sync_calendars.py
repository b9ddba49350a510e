from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from calendars import sync
from calendars.models import CalendarConnection


class Command(BaseCommand):
    help = "Sync connected calendars now (all, or one expert's) and print what happened."

    def add_arguments(self, parser):
        parser.add_argument("--expert", metavar="EMAIL", help="only this expert's calendar")

    def handle(self, *args, expert=None, **options):
        connections = CalendarConnection.objects.select_related("expert").order_by("pk")
        if expert:
            connections = connections.filter(expert__email__iexact=expert)
            if not connections:
                raise CommandError(f"No connected calendar for {expert}.")
        for connection in connections:
            result = sync.run_sync(connection.pk, now=timezone.now())
            if result is None:
                outcome = "skipped: another sync of this calendar is running"
            elif result.outcome in ("changed", "unchanged"):
                outcome = (
                    f"{result.outcome}: {result.busy_count} busy blocks "
                    f"(+{result.added} −{result.removed})"
                )
            else:
                connection.refresh_from_db()
                outcome = f"{result.outcome}: {connection.last_problem}"
            self.stdout.write(
                f"{connection.expert.email} ({connection.account_address}): {outcome}"
            )
