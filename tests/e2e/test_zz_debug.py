import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connections


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_debug(n, page):
    c = connections["default"]
    print("\nTEST", n, id(c), hasattr(c, "_test_serialized_contents"), Group.objects.count(), Permission.objects.order_by("pk").values_list("pk", flat=True).first())
