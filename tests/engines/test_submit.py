"""The spark-submit entry's argument handling (the jobs themselves are tested in test_spark_*.py)."""

from __future__ import annotations

import pytest

from narrascope.coordination import CoordinationOptions
from narrascope.engines.spark.submit import _options, _parser
from narrascope.reuse import ReuseOptions


def test_options_json_becomes_the_analysis_options() -> None:
    args = _parser().parse_args(["reuse", "--input", "in", "--output", "out", "--options", '{"threshold": 0.7}'])
    assert args.job == "reuse" and ReuseOptions(**_options(args.options)).threshold == 0.7
    chosen = CoordinationOptions(**_options('{"objects": ["url", "text"], "window": 30}'))
    assert chosen.objects == ("url", "text") and chosen.window == 30


def test_options_must_be_a_json_object() -> None:
    with pytest.raises(SystemExit, match="JSON object"):
        _options("[1, 2]")
