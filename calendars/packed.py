"""The busy times of a connection packed for reading: merged, as epoch seconds in one bytes.

CalendarConnection.busy_packed holds [start0, end0, start1, end1, ...] as little-endian signed
64-bit integers: every blocking calendar's intervals merged (sorted, disjoint, not touching),
so the sequence is strictly increasing. The sync writes it in the transaction that writes the
BusyInterval rows, which stay what "What we store" lists; it holds nothing the rows do not.
It is trusted only while busy_fingerprint is set: whatever changes the rows without a sync
clears the fingerprint, and readers then read the rows.
"""

import math
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable


def pack(pairs: Iterable[tuple[float, float]]) -> bytes:
    """(start, end) epoch seconds → the packed value: sorted, merged, rounded outwards."""
    numbers = array("q")
    for start, end in sorted(pairs):
        # Whole seconds, rounded outwards: never less busy than the rows.
        start, end = math.floor(start), math.ceil(end)
        if numbers and start <= numbers[-1]:  # overlaps or touches the previous one
            numbers[-1] = max(numbers[-1], end)
        else:
            numbers.append(start)
            numbers.append(end)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers.tobytes()


def unpack(data: bytes) -> array:
    numbers = array("q")
    numbers.frombytes(data)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def overlapping(numbers: array, start: int, end: int) -> list[tuple[int, int]]:
    """The packed intervals that overlap [start, end), as (start, end) pairs."""
    first = bisect_right(numbers, start) // 2  # the first interval ending after `start`
    last = (bisect_left(numbers, end) + 1) // 2  # past the last one starting before `end`
    pairs = numbers[2 * first : 2 * last]
    return list(zip(pairs[::2], pairs[1::2], strict=True))
