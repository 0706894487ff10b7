"""Dates from the command line: every accepted form is an aware UTC instant, a bad one a UsageError naming its flag,
and the module stays light enough for the CLI to validate options without loading DuckDB or polars."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrascope.dates import parse_bounds, parse_when
from narrascope.errors import UsageError


def test_forms_a_user_writes():
    noon = datetime(2024, 1, 31, 12, tzinfo=UTC)
    assert parse_when("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    for text in ("2024-01-31T12:00:00Z", "2024-01-31T12:00:00z", " 2024-01-31T12:00 ", "2024-01-31T15:30+03:30",
                 "20240131T12"):
        assert parse_when(text) == noon, text
    assert parse_when(datetime(2024, 1, 31, 12)) == noon  # naive is UTC
    assert parse_when(datetime(2024, 1, 31, 15, 30, tzinfo=timezone(timedelta(hours=3, minutes=30)))) == noon


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=3, minutes=30)),
                                                timezone(timedelta(hours=-5))])))
def test_an_iso_timestamp_is_its_own_instant(when):
    parsed = parse_when(when.isoformat())
    assert parsed == when and parsed.tzinfo == UTC


def test_bad_values_name_their_flag():
    with pytest.raises(UsageError, match=r"^--since 'yesterday' is not a date"):
        parse_bounds("yesterday", None)
    with pytest.raises(UsageError, match=r"^--until '2024-13-01' is not a date"):
        parse_bounds("2024-01-01", "2024-13-01")
    with pytest.raises(UsageError, match="--since '' is not a date"):  # an empty flag is not "no bound"
        parse_bounds("", None)
    assert parse_bounds(None, None) == (None, None)
    assert parse_bounds(None, "2024-02-01") == (None, datetime(2024, 2, 1, tzinfo=UTC))


def test_the_module_loads_no_heavy_library():
    probe = ("import sys, json, narrascope.dates\n"
             "print(json.dumps([m for m in ('duckdb', 'polars', 'pyarrow', 'numpy') if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_store_still_offers_it():
    from narrascope.store import corpus

    assert corpus.parse_when is parse_when
