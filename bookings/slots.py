"""The slot finder: when can a customer book? Pure: no ORM, no settings, no clock."""

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta

from okomo.intervals import Interval, merge


def free_slots(
    available: Sequence[Interval],
    busy: Sequence[Interval],
    *,
    length: timedelta,
    step: timedelta,
    not_before: datetime,
    buffer_before: timedelta = timedelta(0),
    buffer_after: timedelta = timedelta(0),
) -> list[datetime]:
    """Start times of free appointments of `length`, on a `step` grid.

    `available` must be sorted and merged (see availability.available_intervals); the grid
    starts at the beginning of each available range. A slot [s, s + length) is offered when it
    lies inside one available range, starts at or after `not_before`, and keeps `buffer_before`
    free before it and `buffer_after` after it, clear of every busy interval (busy calendar
    times and other bookings alike). O((A + B) log B + S) for A ranges, B busy, S slots.
    """
    # Widening each busy interval by the buffers turns the buffer rule into plain overlap.
    blocked = merge(Interval(b.start - buffer_after, b.end + buffer_before) for b in busy)
    ends = [b.end for b in blocked]
    slots = []
    for window in available:
        start_index = _first_grid_index(window.start, max(window.start, not_before), step)
        slot = window.start + start_index * step
        i = bisect_right(ends, slot)  # first blocked interval that ends after `slot`
        while slot + length <= window.end:
            while i < len(blocked) and blocked[i].end <= slot:
                i += 1
            if i < len(blocked) and blocked[i].start < slot + length:
                # Jump to the first grid point at or after the end of the blocking interval.
                slot = window.start + _first_grid_index(window.start, blocked[i].end, step) * step
                continue
            slots.append(slot)
            slot += step
    return slots


def _first_grid_index(origin, moment, step):
    """The smallest k with origin + k * step >= moment."""
    if moment <= origin:
        return 0
    return -((origin - moment) // step)
