"""The Availability tab's forms: weekly hours and dates with other hours, as rows of time inputs.

Each range is a pair of <input type="time"> fields sent as parallel lists (`<prefix>_start`,
`<prefix>_end`, read with getlist), so the page can add and remove rows freely. A row with both
inputs empty is ignored: the page always renders one spare row, which makes it usable without
JavaScript. Messages name the day and the times as the person typed them.
"""

import re
from dataclasses import dataclass, field
from datetime import time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# What <input type="time"> sends ("09:00", "09:00:30", "09:00:30.5"); a browser without time
# inputs shows a text box, where "9:00" is what people type.
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$")
# More ranges than this in one day is not a schedule but a mistake (or a flood).
MAX_RANGES = 12
# A date before today (a day of slack for the zones ahead of UTC) or past any horizon would
# never be offered; near year 9999 the day after it does not even exist.
FAR_AHEAD = timedelta(days=2 * 366)

TimeRange = tuple[time, time]


@dataclass
class Row:
    """One range as the editor shows it: the typed texts, and whether it is in error."""

    start: str = ""
    end: str = ""
    invalid: bool = False


@dataclass
class Hours:
    """One day's ranges as the editor shows them (a weekday, or the date being added)."""

    prefix: str  # the inputs' names: "<prefix>_start", "<prefix>_end", "<prefix>_on"
    label: str
    available: bool = False
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rows_with_spare(self):
        """The rows plus one empty row to type a new range into (the page without JS)."""
        return [*self.rows, Row()]


def parse_time(text: str) -> time | None:
    """ "09:00" (or "9:00", "09:00:00") → time; None when it is not a time of day."""
    match = TIME.match(text.strip())
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def shown(value: time) -> str:
    """A time as this language writes it ("1 p.m.", "13:00")."""
    return formats.time_format(value)


def read_ranges(hours: Hours, starts: list[str], ends: list[str]) -> list[TimeRange]:
    """The valid ranges of `starts`/`ends`, sorted; problems go to hours.errors and mark rows."""
    day = hours.label
    ranges = []
    typed = [(s.strip(), e.strip()) for s, e in zip(starts, ends, strict=False)]
    for start_text, end_text in typed:
        if not start_text and not end_text:
            continue
        row = Row(start_text, end_text)
        hours.rows.append(row)
        start, end = parse_time(start_text), parse_time(end_text)
        # A valid time is shown back as the time input writes it (09:00, not 9:00).
        row.start = f"{start:%H:%M}" if start else start_text
        row.end = f"{end:%H:%M}" if end else end_text
        problem = None
        if not start_text or not end_text:
            problem = gettext("%(day)s: please give both a start and an end.") % {"day": day}
        elif start is None or end is None:
            problem = gettext(
                "%(day)s: “%(value)s” is not a time. Please use hours and minutes, e.g. 09:00."
            ) % {"day": day, "value": start_text if start is None else end_text}
        elif end == time(0):
            problem = gettext(
                "%(day)s: hours cannot run past midnight. Please end them at 23:59."
            ) % {"day": day}
        elif end <= start:
            problem = gettext("%(day)s: the end (%(end)s) must be after the start (%(start)s).") % {
                "day": day,
                "end": shown(end),
                "start": shown(start),
            }
        if problem:
            row.invalid = True
            hours.errors.append(problem)
        else:
            ranges.append((start, end, row))
    if len(hours.rows) > MAX_RANGES:
        hours.errors.append(
            gettext("%(day)s: at most %(count)s ranges, please.")
            % {"day": day, "count": MAX_RANGES}
        )
    ranges.sort(key=lambda r: (r[0], r[1]))
    for (start1, end1, row1), (start2, end2, row2) in zip(ranges, ranges[1:], strict=False):
        if start2 < end1:
            row1.invalid = row2.invalid = True
            hours.errors.append(
                gettext("%(day)s: %(first)s and %(second)s overlap. Please change one of them.")
                % {
                    "day": day,
                    "first": f"{shown(start1)}–{shown(end1)}",
                    "second": f"{shown(start2)}–{shown(end2)}",
                }
            )
    return [(start, end) for start, end, _row in ranges]


def _getlist(data, name):
    return data.getlist(name) if hasattr(data, "getlist") else list(data.get(name, []))


class WeeklyHoursForm(forms.Form):
    """The week: per weekday (Monday = 0, prefix "day_<d>") a tick "available" and its ranges.

    cleaned_data["weekly"]: {weekday: [(start, end), …]}, every weekday present, sorted; an
    unticked day has none. `days` is what the editor shows, bound or not.
    """

    def __init__(self, data=None, *, hours=None, **kwargs):
        """hours: the saved {weekday: [(start, end), …]} an unbound form starts from."""
        super().__init__(data, **kwargs)
        self.days = [
            Hours(prefix=f"day_{d}", label=str(WEEKDAYS[d]))
            for d in range(7)  # Django's WEEKDAYS: 0 is Monday, names translated.
        ]
        if not self.is_bound:
            for d, day in enumerate(self.days):
                ranges = (hours or {}).get(d, [])
                day.available = bool(ranges)
                day.rows = [Row(f"{s:%H:%M}", f"{e:%H:%M}") for s, e in ranges]

    def clean(self):
        cleaned = super().clean()
        weekly = {}
        for d, day in enumerate(self.days):
            day.available = self.data.get(f"{day.prefix}_on") in ("on", "1", "true")
            ranges = read_ranges(
                day,
                _getlist(self.data, f"{day.prefix}_start"),
                _getlist(self.data, f"{day.prefix}_end"),
            )
            if day.available and not day.rows:
                day.errors.append(
                    gettext("%(day)s: please add your hours, or untick the day.")
                    % {"day": day.label}
                )
            elif not day.available and day.rows and not day.errors:
                day.errors.append(
                    gettext("%(day)s: tick the day to offer these hours, or clear them.")
                    % {"day": day.label}
                )
            for problem in day.errors:
                self.add_error(None, problem)
            weekly[d] = ranges if day.available else []
        cleaned["weekly"] = weekly
        return cleaned


class DateExceptionForm(forms.Form):
    """A date with other hours than its weekday: a day off, or ranges (prefix "date").

    cleaned_data["hours"]: [(start, end), …] sorted; empty for a day off.
    """

    OFF, HOURS = "off", "hours"

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Please pick a date."),
            "invalid": _("Please pick a date from the calendar, e.g. 2026-12-24."),
        },
    )
    kind = forms.ChoiceField(
        label=_("That day"),
        choices=[(OFF, _("Day off")), (HOURS, _("Other hours"))],
        initial=OFF,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose “Day off” or “Other hours”.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hours = Hours(prefix="date", label=gettext("That day"))
        if not self.is_bound:
            self.hours.rows = []

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.now().date()
        if not today - timedelta(days=1) <= day <= today + FAR_AHEAD:
            raise ValidationError(
                _("Please pick a date from today up to two years ahead."), code="out_of_range"
            )
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date"):
            self.hours.label = formats.date_format(cleaned["date"], "DATE_FORMAT")
        ranges = read_ranges(
            self.hours, _getlist(self.data, "date_start"), _getlist(self.data, "date_end")
        )
        if cleaned.get("kind") == self.HOURS:
            self.hours.available = True
            if not self.hours.rows:
                self.hours.errors.append(
                    gettext("Please add the hours you are available that day, or choose “Day off”.")
                )
            for problem in self.hours.errors:
                self.add_error(None, problem)
            cleaned["hours"] = ranges
        else:
            # A day off: rows typed before switching to "Day off" do not matter.
            self.hours.errors = []
            cleaned["hours"] = []
        return cleaned
