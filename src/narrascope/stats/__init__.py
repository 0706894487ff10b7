"""Small statistical building blocks shared by the analyses (intervals, tests). Pure numpy/scipy, no store access."""

from .intervals import newcombe_diff_interval, rate_ratio_interval, two_proportion_test, wilson_interval

__all__ = ["newcombe_diff_interval", "rate_ratio_interval", "two_proportion_test", "wilson_interval"]
