"""Where the conftest keeps the variant runs it started after collection (tests/course/test_variants.py)."""

from __future__ import annotations

from typing import Any

import pytest

VARIANT_RUNS: pytest.StashKey[Any] = pytest.StashKey()
SAMPLED_VARIANT_TEST = "test_sampled_variant_is_judged_as_declared"
