"""A pytest plugin that runs the tests last one first: `pytest -p reversed_order`."""

# --8<-- [start:reversed]
import pytest


@pytest.hookimpl(trylast=True)  # after any other plugin has ordered the tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()
# --8<-- [end:reversed]
