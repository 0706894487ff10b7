"""Options that take several values after one flag: ``--validated a.csv b.csv`` as well as the repeated form."""

from __future__ import annotations

from narrascope.cli.greedy import spread

FLAGS = {"--validated"}


def test_values_after_the_flag_become_repeated_options():
    assert spread(["lex.yaml", "--validated", "a.csv", "b.csv", "--json"], FLAGS) == (
        ["lex.yaml", "--validated", "a.csv", "--validated", "b.csv", "--json"], True)


def test_the_repeated_and_equals_forms_pass_through():
    args = ["lex.yaml", "--validated", "a.csv", "--validated=b.csv", "c.csv"]
    assert spread(args, FLAGS) == (["lex.yaml", "--validated", "a.csv", "--validated=b.csv", "--validated", "c.csv"],
                                   True)
    assert spread(["lex.yaml", "--validated", "a.csv"], FLAGS) == (["lex.yaml", "--validated", "a.csv"], False)


def test_other_options_end_the_list_and_double_dash_stops_everything():
    assert spread(["--validated", "a.csv", "--by", "channel", "x"], FLAGS)[0] == [
        "--validated", "a.csv", "--by", "channel", "x"]
    assert spread(["--validated", "a.csv", "--", "b.csv"], FLAGS)[0] == ["--validated", "a.csv", "--", "b.csv"]
