"""The peer's side of the comparison, run with the Python of its own virtualenv:

    var/peer-venv/bin/python -m bench.peer.runner

Reads one JSON command a line on stdin, answers one JSON line on stdout:
{"setup": {"n": N, "now": ISO}} builds the expert; {"run": true} times the whole horizon;
{"count": true} counts its queries and returns the slots (UTC, ISO) for the check.
"""

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from . import workload  # noqa: E402

FROZEN = {}


def _now():
    return FROZEN["now"]


def setup(n, now):
    from appointment.models import Config, Service, StaffMember, Unavailability, WorkingHours

    # Both sides see the same clock; django.utils.timezone.localtime() reads this too.
    FROZEN["now"] = datetime.fromisoformat(now)
    timezone.now = _now
    call_command("migrate", run_syncdb=True, verbosity=0)  # it ships no migrations
    Unavailability.objects.all().delete()
    StaffMember.objects.all().delete()
    get_user_model().objects.all().delete()
    Service.objects.all().delete()
    Config.objects.all().delete()
    Config.objects.create(slot_duration=workload.STEP_MINUTES, default_to_service_duration=True)
    user = get_user_model().objects.create_user("expert", "expert@peer.example", "peer-pass-1")
    service = Service.objects.create(
        name="Consultation", duration=timedelta(minutes=workload.LENGTH_MINUTES), price=0
    )
    staff = StaffMember.objects.create(
        user=user, slot_duration=workload.STEP_MINUTES, appointment_buffer_time=0, slot_gap_time=0
    )
    staff.services_offered.add(service)
    for weekday in range(1, 6):  # its numbering: 0 = Sunday
        WorkingHours.objects.create(
            staff_member=staff,
            day_of_week=weekday,
            start_time=workload.OPEN,
            end_time=workload.CLOSE,
        )
    today = FROZEN["now"].astimezone(workload.ZONE).date()
    Unavailability.objects.bulk_create(
        Unavailability(staff_member=staff, date=day, start_time=start, end_time=end)
        for day, start, end in workload.busy_blocks(n, today)
    )
    FROZEN["staff"], FROZEN["service"], FROZEN["today"] = staff.pk, service.pk, today
    return {"ok": True}


def horizon_slots():
    """Its own way: get_available_slots_for_staff for every day of the horizon."""
    from appointment.models import Service, StaffMember
    from appointment.services import get_available_slots_for_staff
    from appointment.utils.db_helpers import get_weekday_num_from_date

    staff = StaffMember.objects.get(pk=FROZEN["staff"])
    service = Service.objects.get(pk=FROZEN["service"])
    first, end = workload.horizon(FROZEN["today"])
    found = []
    day = first
    while day < end:
        found += get_available_slots_for_staff(
            day, staff, get_weekday_num_from_date(day), service=service
        )
        day += timedelta(days=1)
    return found


def run():
    started = time.perf_counter()
    horizon_slots()
    return {"ms": (time.perf_counter() - started) * 1000}


def count():
    with CaptureQueriesContext(connection) as captured:
        found = horizon_slots()
    slots = [
        s.replace(tzinfo=workload.ZONE).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for s in found
    ]
    return {"queries": len(captured.captured_queries), "slots": slots}


def main():
    for line in sys.stdin:
        command = json.loads(line)
        if "setup" in command:
            answer = setup(**command["setup"])
        elif "run" in command:
            answer = run()
        else:
            answer = count()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
