from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from calendars.encryption import UndecryptableSecret, rotate
from calendars.models import CalendarConnection


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored token cache with the first key of TOKEN_ENCRYPTION_KEY. "
        "Afterwards the older keys can be removed (docs/deploy.md)."
    )

    def handle(self, *args, **options):
        rotated, undecryptable = 0, []
        for pk in CalendarConnection.objects.order_by("pk").values_list("pk", flat=True):
            # The row lock waits for a token refresh in progress, which writes the same column.
            with transaction.atomic():
                connection = (
                    CalendarConnection.objects.select_for_update()
                    .only("pk", "token_cache")
                    .filter(pk=pk)
                    .first()
                )
                if connection is None or not connection.token_cache:
                    continue  # disconnected meanwhile
                try:
                    encrypted = rotate(connection.token_cache)
                except UndecryptableSecret:
                    undecryptable.append(pk)
                    continue
                CalendarConnection.objects.filter(pk=pk).update(token_cache=encrypted)
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} token cache(s) with the first key.")
        if undecryptable:
            raise CommandError(
                f"{len(undecryptable)} token cache(s) could not be decrypted with any configured "
                f"key (connection ids {', '.join(map(str, undecryptable))}); they were left as "
                "they are. Keep the old key until they are re-encrypted, or have those experts "
                "reconnect."
            )
