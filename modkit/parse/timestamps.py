"""Dates as pages give them, turned into ISO 8601 strings.

Two kinds of input, two functions:

* :func:`iso_timestamp` reads machine values: Unix times (numbers or digit
  strings, always UTC) and ISO 8601 strings, as exports, APIs and
  ``data-time`` attributes carry them;
* :func:`printed_timestamp` reads what a page shows a reader ("August 5, 2019
  at 4:43 pm", "23. Juni 2016 um 17:21 Uhr", a ``datetime`` attribute), and
  refuses what cannot be placed: relative ages ("3 hours ago", "Today") and
  dates without a year or day. A bare number is never read as a Unix time
  there, since a printed label holding only a number is no date.

Both return ``None`` rather than guess, and keep a date without an offset
naive unless the caller knows it is UTC (``naive_is_utc``).

Tables hold times in UTC: :func:`utc_datetime` reads the ISO strings back, and
takes a naive one as UTC (a page that prints no zone gives no better guess).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from dateutil import parser as dateparser


class _Names(dateparser.parserinfo):
    """Month and weekday names of the languages blogs are commonly written in."""

    MONTHS = [
        ("Jan", "January", "Januar", "Jänner", "janvier", "enero", "gennaio", "januari"),
        ("Feb", "February", "Februar", "février", "fevrier", "febrero", "febbraio", "februari"),
        ("Mar", "March", "März", "Maerz", "Mrz", "mars", "marzo", "maart"),
        ("Apr", "April", "avril", "abril", "aprile"),
        ("May", "Mai", "mayo", "maggio", "mei"),
        ("Jun", "June", "Juni", "juin", "junio", "giugno"),
        ("Jul", "July", "Juli", "juillet", "julio", "luglio"),
        ("Aug", "August", "août", "aout", "agosto", "augustus"),
        ("Sep", "Sept", "September", "septembre", "septiembre", "settembre"),
        ("Oct", "October", "Okt", "Oktober", "octobre", "octubre", "ottobre"),
        ("Nov", "November", "novembre", "noviembre"),
        ("Dec", "December", "Dez", "Dezember", "décembre", "decembre", "diciembre", "dicembre"),
    ]
    WEEKDAYS = [
        ("Mon", "Monday", "Montag", "lundi", "lunes", "lunedì", "maandag"),
        ("Tue", "Tuesday", "Dienstag", "mardi", "martes", "martedì", "dinsdag"),
        ("Wed", "Wednesday", "Mittwoch", "mercredi", "miércoles", "mercoledì", "woensdag"),
        ("Thu", "Thursday", "Donnerstag", "jeudi", "jueves", "giovedì", "donderdag"),
        ("Fri", "Friday", "Freitag", "vendredi", "viernes", "venerdì", "vrijdag"),
        ("Sat", "Saturday", "Samstag", "Sonnabend", "samedi", "sábado", "sabato", "zaterdag"),
        ("Sun", "Sunday", "Sonntag", "dimanche", "domingo", "domenica", "zondag"),
    ]
    JUMP = dateparser.parserinfo.JUMP + ["um", "uhr", "à", "de", "del", "alle", "om", "le", "el"]


_NAMES = _Names()
_WS = re.compile(r"\s+")
_RELATIVE = re.compile(r"\b(?:ago|vor|il y a|hace|fa)\b|^(?:today|yesterday|heute|gestern)\b", re.I)
# Two far-apart defaults reveal fields the text did not give (a date without a year).
_DEFAULTS = (datetime(1901, 1, 1), datetime(1902, 2, 2))
#: Printed dates longer than this are sentences, not dates.
MAX_PRINTED_CHARS = 80


def _isoformat(dt: datetime, naive_is_utc: bool) -> str:
    if dt.tzinfo is None and naive_is_utc:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


def iso_timestamp(value: object, *, naive_is_utc: bool = False) -> str | None:
    """An ISO 8601 string from a Unix time or an ISO 8601 string, ``None`` if unreadable.

    ``naive_is_utc`` attaches UTC to a date string without an offset (a field the
    export documents as GMT); otherwise such a string stays naive (local time).

    Examples
    --------
    >>> iso_timestamp(1665137617), iso_timestamp("1385000000")
    ('2022-10-07T10:13:37+00:00', '2013-11-21T02:13:20+00:00')
    >>> iso_timestamp("2013-10-10T19:20:29Z"), iso_timestamp("2014-01-14 17:32:12", naive_is_utc=True)
    ('2013-10-10T19:20:29+00:00', '2014-01-14T17:32:12+00:00')
    >>> iso_timestamp("2018-09-27T14:51:09+0200")
    '2018-09-27T14:51:09+02:00'
    >>> iso_timestamp("0000-00-00 00:00:00") is None, iso_timestamp("9" * 30) is None
    (True, True)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC).isoformat()
        s = str(value).strip()
        if not s:
            return None
        try:
            return datetime.fromtimestamp(float(s), UTC).isoformat()
        except ValueError:
            pass
        dt = datetime.fromisoformat(s)
    except (ValueError, OverflowError, OSError):
        return None
    return _isoformat(dt, naive_is_utc)


def printed_timestamp(value: str | None, *, layouts: Sequence[str] = (),
                      naive_is_utc: bool = False) -> str | None:
    """An ISO 8601 timestamp from a date as a page prints it, or ``None``.

    ISO 8601 comes first (also followed by a Unix time, as Hacker News writes
    it), then the ``strptime`` ``layouts`` a product is known to print, then
    month and weekday names of several languages. Relative ages ("3 hours
    ago") and dates without a year or day are not timestamps: guessing them
    would invent data.

    Examples
    --------
    >>> printed_timestamp("2016-06-23T17:21:09+02:00"), printed_timestamp("2023-10-20T14:02:11 1697810531")
    ('2016-06-23T17:21:09+02:00', '2023-10-20T14:02:11')
    >>> printed_timestamp("23. Juni 2016 um 17:21\\u00a0Uhr"), printed_timestamp("3 hours ago")
    ('2016-06-23T17:21:00', None)
    >>> printed_timestamp("2024-01-24T15:02:11 1706108531", naive_is_utc=True)
    '2024-01-24T15:02:11+00:00'
    >>> printed_timestamp(" 11-21-2013, 02:13 PM,", layouts=("%m-%d-%Y, %I:%M %p",))
    '2013-11-21T14:13:00'
    >>> printed_timestamp("Today, 02:13 AM") is None, printed_timestamp("Aug 2019") is None
    (True, True)
    """
    # Forum software puts separators ("by X » date,") around the date itself.
    text = _WS.sub(" ", value or "").strip().strip(",»").strip()
    if not text or len(text) > MAX_PRINTED_CHARS or _RELATIVE.search(text):
        return None
    iso, _, rest = text.partition(" ")
    for candidate in (text, iso) if rest.isdigit() else (text,):
        try:
            return _isoformat(datetime.fromisoformat(candidate), naive_is_utc)
        except ValueError:
            pass
    for layout in layouts:
        try:
            return _isoformat(datetime.strptime(text, layout), naive_is_utc)
        except ValueError:
            continue
    try:
        a, b = (dateparser.parse(text, parserinfo=_NAMES, default=d, dayfirst="." in text)
                for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.year != b.year or a.day != b.day:
        return None
    return _isoformat(a, naive_is_utc)


#: Within the times a nanosecond table column can hold (1677-09-21 to 2262-04-11).
_EARLIEST, _LATEST = datetime(1678, 1, 1, tzinfo=UTC), datetime(2262, 1, 1, tzinfo=UTC)


def utc_datetime(value: object) -> datetime | None:
    """A timestamp as an aware UTC datetime, ``None`` when unknown or unreadable.

    Takes ISO 8601 strings (as this module writes them) and datetimes; a time
    without a zone is taken as UTC. Times before 1678 or after 2261, which a
    nanosecond column cannot hold, are unknown too.

    Examples
    --------
    >>> utc_datetime("2018-09-27T14:51:09+02:00"), utc_datetime("2013-11-21T14:13:00")
    (datetime.datetime(2018, 9, 27, 12, 51, 9, tzinfo=datetime.timezone.utc), \
datetime.datetime(2013, 11, 21, 14, 13, tzinfo=datetime.timezone.utc))
    >>> utc_datetime(None), utc_datetime(""), utc_datetime("yesterday"), utc_datetime("9999-01-01")
    (None, None, None, None)
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    # pandas' NaT is a datetime that is not equal to itself.
    if not isinstance(value, datetime) or value != value:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value if _EARLIEST <= value <= _LATEST else None
