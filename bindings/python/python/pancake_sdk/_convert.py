"""Conversions of Python values into what the APIs take on the wire."""

from __future__ import annotations

import datetime as _dt

# `typing` is not loaded at run time: `import pancake_sdk` stays light (type checkers read this).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Tuple, Union

    UnixTimeLike = Union[int, _dt.datetime, _dt.date]
    """Unix seconds, a `datetime` (naive ones are local time, as in `datetime.timestamp`) or a
    `date` (its midnight, local time)."""

    DateTimeRangeLike = Union[str, Tuple[_dt.datetime, _dt.datetime]]
    """`(start, end)` datetimes, written in their own wall-clock time, or the text
    `dd/mm/yyyy HH:MM:SS - dd/mm/yyyy HH:MM:SS`."""

    DateRangeLike = Union[str, Tuple[_dt.date, _dt.date]]
    """`(first_day, last_day)` dates, or the text `dd/mm/yyyy - dd/mm/yyyy`."""


def unix_seconds(value: UnixTimeLike) -> int:
    """Unix seconds of an int, a datetime or a date."""
    if isinstance(value, bool):
        raise TypeError("a time must be an int, a datetime or a date, not a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, _dt.datetime):
        return int(value.timestamp())
    if isinstance(value, _dt.date):
        return int(_dt.datetime(value.year, value.month, value.day).timestamp())
    raise TypeError(f"a time must be an int, a datetime or a date, not {type(value).__name__}")


def date_time_range(value: DateTimeRangeLike) -> str:
    """`dd/mm/yyyy HH:MM:SS - dd/mm/yyyy HH:MM:SS` from two datetimes (text is passed on; the SDK
    checks it)."""
    if isinstance(value, str):
        return value
    start, end = value
    if start > end:
        raise ValueError(f"date_range: the start {start} is after the end {end}")
    return f"{start:%d/%m/%Y %H:%M:%S} - {end:%d/%m/%Y %H:%M:%S}"


def date_range(value: DateRangeLike) -> str:
    """`dd/mm/yyyy - dd/mm/yyyy` from two dates (text is passed on; the SDK checks it)."""
    if isinstance(value, str):
        return value
    start, end = value
    if start > end:
        raise ValueError(f"date_range: the start {start} is after the end {end}")
    return f"{start:%d/%m/%Y} - {end:%d/%m/%Y}"
