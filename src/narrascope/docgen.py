"""Documentation generated from the code, so that it cannot drift: docs/cli.md's synopses are the commands'
``--help`` and docs/formats.md's ``messages`` table is the canonical schema (:mod:`narrascope.models`).

The docs call these functions from `cog <https://nedbatchelder.com/code/cog/>`_ blocks; ``cog -r docs/cli.md
docs/formats.md`` regenerates them and tests/test_docs.py runs ``cog --check`` (the ``test`` extra has cogapp).
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["HELP_WIDTH", "cli_help", "duckdb_type", "messages_table"]

#: Help is rendered at a fixed width, whatever the terminal of whoever regenerates the docs.
HELP_WIDTH = 100


def cli_help(*command: str) -> str:
    """``narrascope COMMAND --help`` as a fenced block, exactly as the command prints it."""
    from click.testing import CliRunner

    from .cli import cli

    result = CliRunner().invoke(cli, [*command, "--help"], prog_name="narrascope", terminal_width=HELP_WIDTH,
                                env={"NARRASCOPE_DB": None})
    if result.exit_code != 0:
        raise RuntimeError(f"narrascope {' '.join(command)} --help failed: {result.output}")
    return "```\n" + result.output.rstrip() + "\n```\n"


def duckdb_type(arrow: pa.DataType) -> str:
    """The DuckDB type the store gives an Arrow column."""
    if pa.types.is_list(arrow) or pa.types.is_large_list(arrow):
        return duckdb_type(arrow.value_type) + "[]"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        return "VARCHAR"
    if pa.types.is_int64(arrow):
        return "BIGINT"
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    if pa.types.is_float64(arrow):
        return "DOUBLE"
    raise ValueError(f"no DuckDB type for {arrow}")


def messages_table() -> str:
    """The ``messages`` table of docs/formats.md: one row per column of MESSAGE_SCHEMA, in order."""
    from .models import MESSAGE_COLUMN_DOCS, MESSAGE_SCHEMA

    lines = ["| column | type | meaning |", "|---|---|---|"]
    for field in MESSAGE_SCHEMA:
        meaning = MESSAGE_COLUMN_DOCS[field.name] + ("" if field.nullable else "; never null")
        lines.append(f"| {field.name} | {duckdb_type(field.type)} | {meaning} |")
    return "\n".join(lines) + "\n"
