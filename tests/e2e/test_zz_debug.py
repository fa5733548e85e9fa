import asyncio

import pytest
from django.db import connections


def _loop():
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("n", [1, 2])
def test_debug(n, page):
    c = connections["default"]
    print(
        "\nTEST",
        n,
        id(c),
        hasattr(c, "_test_serialized_contents"),
        _loop(),
        type(connections._connections._get_storage()),
    )
