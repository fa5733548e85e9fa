"""Reads of customers. ``customer_list_for_user`` and ``customer_get_for_user`` are the only
doors through which views, API views and tasks reach customers on a user's behalf."""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404

from crm.accounts.models import Team
from crm.lib.keyset import Page, keyset_page
from crm.lib.phones import InvalidPhoneError, normalize_phone
from customers.list_filters import list_filters_apply
from customers.models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerQuerySet,
    StageChange,
)
from customers.permissions import (
    OWNER_CODENAMES,
    TEAM_MANAGER_CODENAMES,
    TEAM_MEMBER_CODENAMES,
    VIEW,
)

AnyUser = User | AbstractBaseUser | AnonymousUser
# Sort keys the list offers: name -> (model field, descending?)
SORTS = {
    "name": ("name", False),
    "-created_at": ("created_at", True),
    "-updated_at": ("updated_at", True),
}
PHONE_QUERY = re.compile(r"^\+?[\d\s().-]*\d{2}[\d\s().-]*\d{2}$")


def customer_list_for_user(*, user: AnyUser, perm: str = VIEW) -> CustomerQuerySet:
    """Every customer on which ``user`` holds ``perm`` (a codename such as "change_customer").

    The grants in guardian's tables follow from two columns: the owner holds
    ``OWNER_CODENAMES``, the team's members group ``TEAM_MEMBER_CODENAMES`` and its managers
    group ``TEAM_MANAGER_CODENAMES`` (customers.permissions; only the ownership services write
    them). A list therefore scopes by ``owner_id`` and ``team_id``, which PostgreSQL answers
    from the (owner, name, id) and (team, name, id) indexes at any size, where an
    ``IN (grants) OR IN (grants)`` filter over a million grant rows does not. Single objects
    are checked against guardian itself (``customer_has_perm``), and a test keeps the two
    in agreement for every persona and permission."""
    qs: CustomerQuerySet = Customer.objects.all()
    if not isinstance(user, User) or not user.is_active:
        return qs.none()
    if user.has_perm(f"customers.{perm}"):
        return qs
    groups = Q(pk__in=[])
    if perm in TEAM_MEMBER_CODENAMES:
        groups |= Q(members_group__user=user)
    if perm in TEAM_MANAGER_CODENAMES:
        groups |= Q(managers_group__user=user)
    team_ids = list(Team.objects.filter(groups).values_list("pk", flat=True).distinct())
    scope = Q(team_id__in=team_ids)
    if perm in OWNER_CODENAMES:
        scope |= Q(owner_id=user.pk)
    return qs.filter(scope)


def customer_has_perm(*, user: AnyUser, customer: Customer, perm: str) -> bool:
    """Does ``user`` hold ``perm`` on this customer? Global (role) permissions first, then
    guardian's object permissions (its direct foreign-key tables)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.has_perm(f"customers.{perm}") or user.has_perm(f"customers.{perm}", customer)


def customer_get_for_user(*, user: AnyUser, customer_id: int, perm: str = VIEW) -> Customer:
    """The customer, if ``user`` may see it (else 404) and holds ``perm`` on it (else 403)."""
    visible = customer_list_for_user(user=user).select_related("owner", "team")
    try:
        customer = visible.get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such customer.") from exc
    if perm != VIEW and not customer_has_perm(user=user, customer=customer, perm=perm):
        raise PermissionDenied("You may view this customer but not do that.")
    return customer


def customer_user_may(*, user: AnyUser, customer: Customer, perm: str) -> bool:
    """For showing or hiding buttons; the action itself goes through the door again."""
    return customer_has_perm(user=user, customer=customer, perm=perm)


@dataclass(frozen=True)
class CustomerFilters:
    search: str = ""
    owner_id: int | None = None
    team_id: int | None = None
    stage: str = ""
    tag_id: int | None = None
    sort: str = "name"
    # (name, value) of filters registered by higher apps (customers.list_filters).
    extra: tuple[tuple[str, str], ...] = ()


def _search(qs: CustomerQuerySet, text: str) -> CustomerQuerySet:
    """Pick the index that fits the query's shape: email prefix, phone, or name/reference."""
    text = text.strip()
    if not text:
        return qs
    if "@" in text:
        emails = CustomerEmail.objects.filter(email__startswith=text.lower(), is_active=True)
        return qs.filter(pk__in=emails.values("customer_id"))
    if PHONE_QUERY.match(text):
        phones = CustomerPhone.objects.filter(is_active=True)
        digits = re.sub(r"\D", "", text)
        try:
            phones = phones.filter(phone=normalize_phone(text))
        except InvalidPhoneError:
            # A fragment: "+3706..." is a prefix of E.164; "612 34" may be anywhere.
            if text.startswith("+"):
                phones = phones.filter(phone__startswith="+" + digits)
            else:
                phones = phones.filter(phone__contains=digits)
        return qs.filter(Q(pk__in=phones.values("customer_id")) | Q(external_ref=text))
    return qs.filter(Q(name__icontains=text) | Q(external_ref=text))


def customer_filtered_for_user(*, user: AnyUser, filters: CustomerFilters) -> CustomerQuerySet:
    qs = customer_list_for_user(user=user)
    qs = _search(qs, filters.search)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.tag_id:
        qs = qs.filter(tags=filters.tag_id)
    if filters.extra:
        qs = list_filters_apply(qs, user=user, values=filters.extra)
    return qs


def customer_page_for_user(
    *, user: AnyUser, filters: CustomerFilters, cursor: str | None, size: int
) -> Page[Customer]:
    """One page of the customer list: a constant number of queries whatever the page."""
    key, descending = SORTS.get(filters.sort, SORTS["name"])
    qs = customer_filtered_for_user(user=user, filters=filters)
    qs = qs.select_related("owner", "team").prefetch_related("tags")
    return keyset_page(qs, key=key, descending=descending, cursor=cursor, size=size)


def customer_stage_history(*, customer: Customer) -> list[StageChange]:
    return list(customer.stage_changes.select_related("changed_by"))


def team_list_for_user(*, user: AnyUser) -> list[Team]:
    """Teams offered in filters and forms: all for those who see everyone, else their own."""
    if not isinstance(user, User):
        return []
    if user.has_perm("customers.view_customer") or user.has_perm("accounts.manage_teams"):
        return list(Team.objects.all())
    return list(Team.objects.with_member(user))


def owner_choices_for_user(*, user: AnyUser, teams: list[Team] | None = None) -> list[User]:
    """Staff who may own customers, among the teams ``user`` works with (pass ``teams``
    when already loaded)."""
    if not isinstance(user, User):
        return []
    owners = User.objects.filter(is_active=True).filter(
        Q(groups__permissions__codename="own_customer") | Q(is_superuser=True)
    )
    if not user.has_perm("customers.view_customer"):
        teams = team_list_for_user(user=user) if teams is None else teams
        owners = owners.filter(
            Q(groups__team_as_members__in=teams) | Q(groups__team_as_managers__in=teams)
        )
    return list(owners.distinct().order_by("username"))


def customer_export_rows_for_user(
    *, user: AnyUser, filters: CustomerFilters, batch_size: int = 2000
) -> Iterator[Customer]:
    """Every customer of the filtered list, fetched in keyset batches: memory stays flat
    however long the list."""
    cursor = None
    while True:
        page = customer_page_for_user(user=user, filters=filters, cursor=cursor, size=batch_size)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@dataclass(frozen=True)
class DuplicatePair:
    first: Customer
    second: Customer
    reason: str


def _name_key(name: str) -> str:
    """Lower-case, accents stripped, spaces collapsed: "Žukauskienė  Eglė" ~ "zukauskiene egle"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(sorted(letters.split()))


def _email_key(email: str) -> str:
    """The mailbox behind an address: "+tags" dropped, and dots for Gmail."""
    local, _at, domain = email.partition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


# Trigram similarity from which two names count as "similar" (pg_trgm's default, 0.3, is
# too loose for names; at 0.5 "Jonas Jonaitis" pairs with "Jonas Jonaitys" (0.57) and not
# with "Petras Petraitis" (0.28)).
NAME_SIMILARITY = 0.5
# The newest visible customers are compared against all visible ones: new records are
# where duplicates appear, and each probe is one indexed trigram lookup.
SIMILARITY_PROBES = 2000


def _similar_names(visible: CustomerQuerySet) -> list[tuple[int, int]]:
    """Pairs with similar names by pg_trgm, served by the trigram index on UPPER(name).
    PostgreSQL only; elsewhere the exact normalised-name match above is what there is."""
    if connection.vendor != "postgresql":
        return []
    scope_sql, scope_params = visible.values("pk").query.sql_with_params()
    sql = f"""
        WITH visible AS ({scope_sql}),
        probes AS (
            SELECT c.id, UPPER(c.name) AS uname FROM customers_customer c
            WHERE c.id IN (SELECT pk FROM visible) ORDER BY c.created_at DESC LIMIT %s
        )
        SELECT p.id, m.id FROM probes p CROSS JOIN LATERAL (
            SELECT c2.id FROM customers_customer c2
            WHERE UPPER(c2.name) %% p.uname AND c2.id <> p.id AND c2.id IN (SELECT pk FROM visible)
            ORDER BY similarity(UPPER(c2.name), p.uname) DESC LIMIT 3
        ) m
    """  # noqa: S608 -- the scope is Django-generated SQL with its own parameters
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(NAME_SIMILARITY)]
        )
        cursor.execute(sql, [*scope_params, SIMILARITY_PROBES])
        return sorted({(min(a, b), max(a, b)) for a, b in cursor.fetchall()})


def duplicate_candidates_for_user(*, user: AnyUser, limit: int = 200) -> list[DuplicatePair]:
    """Pairs of active customers, both visible to ``user``, that look like one person:
    the same name once accents, case and word order are ignored, the same mailbox, or (on
    PostgreSQL) a similar name by trigram similarity.
    Compared in Python over the user's visible customers' names and emails (two queries),
    which stays cheap for a team's book of customers."""
    visible = customer_list_for_user(user=user).active()
    by_name: dict[str, int] = {}
    by_mailbox: dict[str, int] = {}
    pairs: dict[tuple[int, int], str] = {}
    for pk, name in visible.values_list("pk", "name").iterator(chunk_size=5000):
        key = _name_key(name)
        if key in by_name:
            pairs.setdefault((min(by_name[key], pk), max(by_name[key], pk)), "same name")
        else:
            by_name[key] = pk
    emails = CustomerEmail.objects.filter(is_active=True, customer__in=visible.values("pk"))
    for pk, email in emails.values_list("customer_id", "email").iterator(chunk_size=5000):
        key = _email_key(email)
        other = by_mailbox.setdefault(key, pk)
        if other != pk:
            pairs.setdefault((min(other, pk), max(other, pk)), "same mailbox")
    for pair in _similar_names(visible):
        pairs.setdefault(pair, "similar name")
    chosen = list(pairs.items())[:limit]
    customers = Customer.objects.in_bulk({pk for pair, _r in chosen for pk in pair})
    return [DuplicatePair(customers[a], customers[b], reason) for (a, b), reason in chosen]
