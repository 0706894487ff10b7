"""The Record TypedDict is the canonical schema's, field for field (it is generated from it)."""

from __future__ import annotations

import inspect
import typing

from narrascope.models import FWD_KIND, MESSAGE_SCHEMA, PERSON_MENTIONS, HintedRecord, Record, record_source


def test_record_is_what_the_schema_generates() -> None:
    body = [line for line in inspect.getsource(Record).splitlines()
            if line.startswith("    ") and not line.startswith("     ") and ": " in line and '"""' not in line]
    assert "\n".join(body) + "\n" == record_source()


def test_record_keys_follow_the_schema_order() -> None:
    hints = typing.get_type_hints(Record)
    assert list(hints)[: len(MESSAGE_SCHEMA)] == MESSAGE_SCHEMA.names
    assert Record.__required_keys__ == frozenset(MESSAGE_SCHEMA.names)


def test_the_reader_hints_are_optional_keys() -> None:
    assert HintedRecord.__optional_keys__ == frozenset({FWD_KIND, PERSON_MENTIONS})
