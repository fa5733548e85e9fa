"""id_list gives the same rows as a plain list, on SQLite and PostgreSQL alike."""

import pytest
from django.contrib.auth.models import User

from crm.lib.ids import id_list

pytestmark = pytest.mark.django_db


def test_id_list_selects_exactly_the_listed_rows() -> None:
    made = User.objects.bulk_create(User(username=f"u{n}") for n in range(5))
    wanted = [made[0].pk, made[3].pk, 10**9]
    assert set(User.objects.filter(pk__in=id_list(wanted)).values_list("pk", flat=True)) == {
        made[0].pk,
        made[3].pk,
    }
    assert not User.objects.filter(pk__in=id_list([])).exists()
