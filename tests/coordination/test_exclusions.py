"""Expected co-posting tagged from attributes: an actor's value, or two actors sharing one."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from narrascope.coordination.exclusions import (
    actor_attributes,
    attributes_fingerprint,
    expected_labels,
    parse_rules,
)
from narrascope.errors import UsageError

ATTRS = pl.DataFrame({"channel_id": ["1", "2", "3", "4"], "channel": ["A", "B", "C", "D"],
                      "owner": ["x", "x", None, "y"], "type": ["news", "Aggregator", "news", None]})


def test_rules_tag_aggregators_and_same_owner_pairs():
    rules = parse_rules(["type=aggregator", "owner"])
    a, b = np.array([0, 0, 2, 0]), np.array([1, 2, 3, 3])
    labels = expected_labels(rules, ATTRS, ["1", "2", "3", "4"], a, b)
    assert labels == ["type=aggregator; same owner", None, None, None]  # no value never equals no value


def test_html_channels_are_matched_by_name():
    table = actor_attributes(ATTRS, ["name:B", "9"], ["B", "Z"])
    assert table["owner"].to_list() == ["x", None]


@pytest.mark.parametrize("bad", ["=x", "type=", " "])
def test_bad_rules_are_usage_errors(bad):
    with pytest.raises(UsageError, match="column=value"):
        parse_rules([bad])


def test_rules_need_attributes_that_exist():
    with pytest.raises(UsageError, match="set-attributes"):
        expected_labels(parse_rules(["owner"]), None, ["1"], np.array([0]), np.array([0]))
    with pytest.raises(UsageError, match="no attribute named colour"):
        expected_labels(parse_rules(["colour"]), ATTRS, ["1"], np.array([0]), np.array([0]))


def test_fingerprint_follows_the_attributes():
    assert attributes_fingerprint(ATTRS) == attributes_fingerprint(ATTRS.reverse())
    assert attributes_fingerprint(ATTRS) != attributes_fingerprint(ATTRS.with_columns(pl.lit("z").alias("owner")))
