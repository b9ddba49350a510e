"""Half-open time intervals [start, end) over aware datetimes, and set arithmetic on them. Pure."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self):
        if not self.end > self.start:
            raise ValueError(f"interval must end after it starts: {self.start} .. {self.end}")


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined."""
    merged: list[Interval] = []
    # The same order as the dataclass's, by key: tuples compare in C, far faster.
    for current in sorted(intervals, key=_bounds):
        if merged and current.start <= merged[-1].end:
            if current.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, current.end)
        else:
            merged.append(current)
    return merged


_bounds = attrgetter("start", "end")


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of `intervals` inside `window`, in input order."""
    return [
        i
        if window.start <= i.start and i.end <= window.end  # inside: kept as it is
        else Interval(max(i.start, window.start), min(i.end, window.end))
        for i in intervals
        if i.start < window.end and i.end > window.start
    ]


def subtract(base: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """`base` minus `cuts`; both must be sorted and merged. Linear in their lengths."""
    result: list[Interval] = []
    j = 0
    for interval in base:
        start = interval.start
        while j < len(cuts) and cuts[j].end <= start:
            j += 1
        k = j
        while k < len(cuts) and cuts[k].start < interval.end:
            if cuts[k].start > start:
                result.append(Interval(start, cuts[k].start))
            start = max(start, cuts[k].end)
            k += 1
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result
