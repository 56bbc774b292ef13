"""A pytest plugin the checks load into one run of the lab's tests (`-p course_reversed`): the
tests run in the reverse of the order pytest collected them, the last one first. A test that
needs another to have run before it, or one that leaves behind what a later test does not
expect, fails one of the two orders, whichever pair of tests it is; a random order finds such a
pair only with the seeds that happen to swap it."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()
