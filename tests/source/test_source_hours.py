"""starscope.source.hours: START/END specs and hour-file names."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from starscope.errors import UsageError
from starscope.source.hours import hour_file_name, hours_between, parse_hour_file_name, parse_spec

UTC = timezone.utc


def H(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=UTC)


def test_whole_day():
    hs = hours_between("2024-03-01")
    assert len(hs) == 24
    assert hs[0] == H(2024, 3, 1, 0) and hs[-1] == H(2024, 3, 1, 23)
    assert all(b - a == timedelta(hours=1) for a, b in zip(hs, hs[1:]))
    assert all(h.tzinfo is UTC for h in hs)


@pytest.mark.parametrize(
    "spec", ["2024-03-01-5", "2024-03-01-05", "2024-03-01T05", "2024-03-01T5", "2024-03-01T05:00", " 2024-03-01-5 ",
             "2024-03-01T05:00:00Z"]
)
def test_single_hour_forms(spec):
    assert hours_between(spec) == [H(2024, 3, 1, 5)]


def test_whole_month_leap_february():
    hs = hours_between("2024-02")
    assert len(hs) == 29 * 24
    assert hs[0] == H(2024, 2, 1, 0) and hs[-1] == H(2024, 2, 29, 23)
    assert len(hours_between("2023-02")) == 28 * 24
    assert len(hours_between("2024-12")) == 31 * 24


def test_end_is_inclusive_of_its_whole_span():
    assert len(hours_between("2024-03-01", "2024-03-02")) == 48
    assert hours_between("2024-03-01", "2024-03-02")[-1] == H(2024, 3, 2, 23)
    assert hours_between("2024-03-01-22", "2024-03-02-1") == [
        H(2024, 3, 1, 22), H(2024, 3, 1, 23), H(2024, 3, 2, 0), H(2024, 3, 2, 1)
    ]
    assert hours_between("2024-01", "2024-02")[-1] == H(2024, 2, 29, 23)
    assert len(hours_between("2024-01", "2024-02")) == (31 + 29) * 24
    # mixed granularity: from an hour to the end of a day, from a day to the end of a month
    assert len(hours_between("2024-03-01-20", "2024-03-01")) == 4
    assert len(hours_between("2024-03-30", "2024-03")) == 48
    # across a year boundary
    assert hours_between("2023-12-31-23", "2024-01-01-0") == [H(2023, 12, 31, 23), H(2024, 1, 1, 0)]


def test_same_start_and_end():
    assert hours_between("2024-03-01-5", "2024-03-01-5") == [H(2024, 3, 1, 5)]
    assert hours_between("2024-03-01", "2024-03-01") == hours_between("2024-03-01")


def test_datetime_and_date_arguments():
    assert hours_between(datetime(2024, 3, 1, 5, 42)) == [H(2024, 3, 1, 5)]
    assert len(hours_between(date(2024, 3, 1))) == 24
    plus2 = timezone(timedelta(hours=2))
    assert hours_between(datetime(2024, 3, 1, 1, tzinfo=plus2)) == [H(2024, 2, 29, 23)]
    assert parse_spec("2024-03") == (H(2024, 3, 1), H(2024, 3, 31, 23))


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "2024",
        "2024-13",
        "2024-00",
        "2024-02-30",
        "2024-03-01-24",
        "2024-03-01T25",
        "2024-03-01-",
        "2024/03/01",
        "20240301",
        "yesterday",
        "2024-03-01-5-1",
        "2024-03-01T05:30",
        "2024-03-01\n5",
    ],
)
def test_bad_spec_is_usage_error(spec):
    with pytest.raises(UsageError) as ei:
        hours_between(spec)
    msg = str(ei.value)
    assert "\n" not in msg.replace(repr(spec), "") and msg


def test_bad_end_and_end_before_start():
    with pytest.raises(UsageError, match="bad time spec"):
        hours_between("2024-03-01", "2024-03-32")
    with pytest.raises(UsageError, match="before START"):
        hours_between("2024-03-02", "2024-03-01")
    with pytest.raises(UsageError, match="before START"):
        hours_between("2024-03-01-5", "2024-03-01-4")
    with pytest.raises(UsageError):
        hours_between(20240301)  # type: ignore[arg-type]


def test_hour_file_name_is_not_zero_padded():
    assert hour_file_name(H(2024, 3, 1, 5)) == "2024-03-01-5.json.gz"
    assert hour_file_name(H(2024, 3, 1, 0)) == "2024-03-01-0.json.gz"
    assert hour_file_name(H(2024, 11, 9, 17)) == "2024-11-09-17.json.gz"
    assert hour_file_name(datetime(2024, 3, 1, 5, 59, 59)) == "2024-03-01-5.json.gz"  # naive = UTC
    assert hour_file_name(datetime(2024, 3, 1, 1, tzinfo=timezone(timedelta(hours=2)))) == "2024-02-29-23.json.gz"


def test_parse_hour_file_name():
    assert parse_hour_file_name("2024-03-01-5.json.gz") == H(2024, 3, 1, 5)
    assert parse_hour_file_name("2024-03-01-23.json.gz") == H(2024, 3, 1, 23)
    assert parse_hour_file_name("/data/gha/2024-03-01-0.json.gz") == H(2024, 3, 1, 0)
    # an hour file the user decompressed stands for the same hour
    assert parse_hour_file_name("2024-03-01-5.json") == H(2024, 3, 1, 5)
    for bad in [
        "2024-03-01-05.json.gz",  # GH Archive never zero-pads the hour
        "2024-03-01-24.json.gz",
        "2024-02-30-1.json.gz",
        "2024-03-01-5.json.gz.part",
        "2024-03-01-05.json",
        "2024-3-01-5.json.gz",
        "notes.txt",
        "",
    ]:
        assert parse_hour_file_name(bad) is None, bad


@given(st.datetimes(min_value=datetime(2011, 1, 1), max_value=datetime(2100, 1, 1)))
def test_file_name_round_trip(dt):
    name = hour_file_name(dt)
    back = parse_hour_file_name(name)
    assert back == dt.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    assert hour_file_name(back) == name
    assert hours_between(f"{back:%Y-%m-%d}-{back.hour}") == [back]
    assert hours_between(f"{back:%Y-%m-%dT%H}") == [back]


@given(
    st.dates(min_value=date(2011, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(min_value=0, max_value=40),
)
def test_day_ranges_have_24_hours_per_day(d, extra_days):
    end = d + timedelta(days=extra_days)
    hs = hours_between(d.isoformat(), end.isoformat())
    assert len(hs) == 24 * (extra_days + 1)
    assert len(set(hs)) == len(hs)
