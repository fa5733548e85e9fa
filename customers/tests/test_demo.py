"""manage.py demo_data: staff, deterministic customers, the grants customer_create gives."""

from collections import Counter
from datetime import UTC, datetime
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection

from crm.accounts.models import Team
from customers import demo
from customers.models import (
    Customer,
    CustomerEmail,
    CustomerGroupObjectPermission,
    CustomerPhone,
    CustomerUserObjectPermission,
    StageChange,
)
from customers.selectors import customer_list_for_user
from customers.services import CustomerData, customer_create

COUNT = 60
SEED = 7
LANGUAGE_OF = {m.country: m.language for m in demo.MARKETS}


def run_demo(count: int = COUNT, seed: int = SEED) -> str:
    out = StringIO()
    call_command("demo_data", customers=count, seed=seed, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {m._meta.db_table: m._default_manager.count() for m in demo.LOADED_MODELS}


def grants(customer: Customer) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(user id, codename) and (group id, codename) pairs held on ``customer``."""
    by_user = CustomerUserObjectPermission.objects.filter(content_object=customer)
    by_group = CustomerGroupObjectPermission.objects.filter(content_object=customer)
    return (
        sorted(by_user.values_list("user_id", "permission__codename")),
        sorted(by_group.values_list("group_id", "permission__codename")),
    )


@pytest.mark.django_db
def test_demo_data_creates_customers_staff_and_prints_logins() -> None:
    output = run_demo()

    assert Customer.objects.count() == COUNT
    assert set(Team.objects.values_list("name", flat=True)) == set(demo.TEAMS)
    vilnius = Team.objects.get(name="Vilnius")
    assert vilnius.manager is not None
    assert vilnius.manager.username == "manager"
    assert set(vilnius.members_group.user_set.values_list("username", flat=True)) == {
        "sales",
        "sales5",
        "support",
    }
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    for member in demo.STAFF:
        user = User.objects.get(username=member.username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert list(user.groups.filter(name=member.role).values_list("name", flat=True))
    assert demo.DEMO_URL in output
    for username, role in demo.LOGINS:
        assert f"{username} / {demo.DEMO_PASSWORD} / {role}" in output


@pytest.mark.django_db
def test_second_run_adds_nothing_and_still_prints_logins() -> None:
    run_demo()
    before = row_counts()
    users = User.objects.count()

    output = run_demo()

    assert row_counts() == before
    assert User.objects.count() == users
    assert "exist already" in output
    assert f"admin / {demo.DEMO_PASSWORD} / Admin" in output


@pytest.mark.django_db
def test_same_seed_gives_the_same_customers() -> None:
    def customers() -> list[tuple[str, str, str, str]]:
        return list(
            Customer.objects.order_by("external_ref").values_list(
                "external_ref", "name", "primary_email", "primary_phone"
            )
        )

    run_demo()
    first = customers()
    Customer.objects.all().delete()
    run_demo()

    assert customers() == first
    assert len({name for _ref, name, _email, _phone in first}) > COUNT // 2


def test_generator_is_deterministic_per_seed_without_a_database() -> None:
    grant = demo.TeamGrant(team_id=1, members_group_id=2, managers_group_id=3, owner_ids=(4, 5))
    plan = demo.Plan(
        teams=(grant,) * len(demo.TEAMS),
        market_teams=(0, 1, 2, 3, None, None),
        tag_ids=tuple(range(1, len(demo.TAG_SHARES) + 1)),
        b2b_tag_id=99,
        owner_perm_ids=(1, 2),
        member_perm_ids=(1,),
        manager_perm_ids=(1, 2, 3),
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def batch(seed: int) -> list[tuple[object, ...]]:
        generator = demo.CustomerGenerator(seed=seed, plan=plan, now=now, null=None)
        return generator.batch(first_id=1, first_seq=1, size=300)[0].rows

    assert batch(SEED) == batch(SEED)
    assert batch(SEED) != batch(SEED + 1)


@pytest.mark.django_db
def test_customers_get_exactly_the_grants_customer_create_gives() -> None:
    run_demo()
    admin = User.objects.get(username="admin")

    for customer in Customer.objects.select_related("owner", "team")[:5]:
        reference = customer_create(
            acting_user=admin,
            data=CustomerData(name="Reference"),
            owner=customer.owner,
            team=customer.team,
        )
        assert grants(customer) == grants(reference)


@pytest.mark.django_db
def test_owners_and_teams_see_their_customers_and_strangers_do_not() -> None:
    run_demo()
    users = list(User.objects.filter(username__in=[m.username for m in demo.STAFF]))
    visible = {
        u.pk: set(customer_list_for_user(user=u).values_list("pk", flat=True)) for u in users
    }
    teams_of = {u.pk: set(Team.objects.with_member(u).values_list("pk", flat=True)) for u in users}

    for customer in Customer.objects.all():
        assert customer.owner_id is not None
        assert customer.team_id in teams_of[customer.owner_id]
        assert customer.pk in visible[customer.owner_id]
        for user in users:
            if user.is_superuser:
                assert customer.pk in visible[user.pk]
            elif customer.team_id not in teams_of[user.pk] and user.pk != customer.owner_id:
                assert customer.pk not in visible[user.pk]
            else:
                assert customer.pk in visible[user.pk]


@pytest.mark.django_db
def test_contacts_are_unique_valid_and_denormalised() -> None:
    run_demo()
    customers = {c.pk: c for c in Customer.objects.all()}
    emails = list(CustomerEmail.objects.all())
    phones = list(CustomerPhone.objects.all())

    assert len({e.email for e in emails}) == len(emails)
    assert len({p.phone for p in phones}) == len(phones)
    for email in emails:
        assert email.email == email.email.lower()
        validate_email(email.email)
    for phone in phones:
        number = phonenumbers.parse(phone.phone)
        assert phonenumbers.is_valid_number(number), phone.phone
        assert (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone.phone
        )
        assert phonenumbers.region_code_for_number(number) == customers[phone.customer_id].country
    primary_emails = {e.customer_id: e.email for e in emails if e.is_primary}
    primary_phones = {p.customer_id: p.phone for p in phones if p.is_primary}
    for customer in customers.values():
        assert primary_emails[customer.pk] == customer.primary_email
        assert primary_phones[customer.pk] == customer.primary_phone
        assert customer.language == LANGUAGE_OF[customer.country]
        assert (customer.birthday is None) == (customer.kind == Customer.Kind.COMPANY)
        assert customer.created_at <= customer.stage_changed_at
    assert Counter(e.customer_id for e in emails if e.is_primary) == Counter(set(customers))


@pytest.mark.django_db
def test_each_customer_has_its_first_stage_change_and_company_tag() -> None:
    run_demo()

    changes = {s.customer_id: s for s in StageChange.objects.all()}
    for customer in Customer.objects.prefetch_related("tags"):
        change = changes[customer.pk]
        assert (change.from_stage, change.to_stage) == ("", customer.stage)
        assert change.changed_at == customer.stage_changed_at
        is_b2b = demo.B2B_TAG in {t.name for t in customer.tags.all()}
        assert is_b2b == (customer.kind == Customer.Kind.COMPANY)
    stages = Counter(Customer.objects.values_list("stage", flat=True))
    assert stages.most_common(1)[0][0] == Customer.Stage.ACTIVE


def test_word_lists_are_safe_for_copy_text_format() -> None:
    texts: list[str] = []
    for market in demo.MARKETS:
        texts += [*market.male_first, *market.female_first, *market.streets]
        texts += [name for pair in market.surnames for name in pair]
        texts += [name for pair in market.cities for name in pair]
        texts += [word for words in market.company_words for word in words]
    assert all(not set(text) & {"\t", "\n", "\r", "\\"} for text in texts)
    assert demo.ascii_slug("Παπαδοπούλου") == "papadopoulou"
    assert demo.ascii_slug("Žukauskienė") == "zukauskiene"
    assert demo.ascii_slug("Łukasz") == "lukasz"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and index rebuilds")
def test_big_load_path_restores_every_index_and_constraint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tables = [m._meta.db_table for m in demo.LOADED_MODELS]

    def schema() -> list[tuple[str, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) UNION ALL "
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
                [tables, tables],
            )
            return list(cursor.fetchall())

    before = schema()
    monkeypatch.setattr(demo, "REBUILD_MIN_CUSTOMERS", 1)

    run_demo()

    assert schema() == before
    assert Customer.objects.count() == COUNT
    assert CustomerGroupObjectPermission.objects.count() == 4 * COUNT
