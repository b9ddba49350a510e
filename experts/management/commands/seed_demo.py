from datetime import time

from django.core.management.base import BaseCommand

from bookings.models import BookingSettings, WeeklyHours
from experts.models import User

DEMO_EXPERT = {
    "email": "expert@okomo.example",
    "password": "okomo-demo",
    "display_name": "Dr. Jana Berger",
    "time_zone": "Europe/Berlin",
    "slug": "jana-berger",
}
DEMO_ADMIN = {"email": "admin@okomo.example", "password": "okomo-admin", "display_name": "Admin"}


class Command(BaseCommand):
    help = "Create the demo expert and a staff account (idempotent) and say how to sign in."

    def handle(self, *args, **options):
        for spec, staff in ((DEMO_EXPERT, False), (DEMO_ADMIN, True)):
            fields = {k: v for k, v in spec.items() if k not in ("email", "password")}
            user, created = User.objects.get_or_create(email=spec["email"], defaults=fields)
            if created:
                user.set_password(spec["password"])
                user.is_staff = user.is_superuser = staff
                user.save()
                if not staff:
                    self._open_hours(user)
        self.stdout.write(
            self.style.SUCCESS("Demo ready.")
            + f"\n  Expert: {DEMO_EXPERT['email']} / {DEMO_EXPERT['password']}"
            + f"\n  Admin:  {DEMO_ADMIN['email']} / {DEMO_ADMIN['password']} (at /admin/)"
        )

    @staticmethod
    def _open_hours(expert):
        """Monday to Friday, 09:00-12:00 and 13:00-17:00, 30-minute appointments."""
        BookingSettings.objects.get_or_create(expert=expert)
        WeeklyHours.objects.bulk_create(
            WeeklyHours(expert=expert, weekday=day, start=start, end=end)
            for day in range(5)
            for start, end in ((time(9), time(12)), (time(13), time(17)))
        )
