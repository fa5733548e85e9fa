"""Extra filters of customer lists that higher apps provide.

customers sits below the apps that know about segments (campaigns), so it cannot import
them; instead a higher app registers a named filter here from its ``AppConfig.ready()``::

    list_filter_register(
        CustomerListFilter(
            name="segment",  # the query parameter (?segment=12), page and API alike
            label=_("Segment"),
            empty_label=_("Any segment"),  # the select's "no filter" option
            options=segment_options_for_user,  # (user) -> [(value, label)] for the select
            apply=segment_filter_apply,  # (qs, user=, value=) -> the narrowed queryset
        )
    )

``customer_filtered_for_user`` then applies every registered filter whose parameter has a
value, so the list page, its CSV export and the list API all accept it. ``apply`` receives
a queryset already behind the permission door and only narrows it; a value that names
nothing the user may use narrows it to nobody (as an unknown team does), never errors."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils.functional import Promise

from customers.models import CustomerQuerySet

AnyUser = User | AbstractBaseUser | AnonymousUser
MAX_VALUE_LENGTH = 100  # a filter value is an id or a short code


@dataclass(frozen=True)
class CustomerListFilter:
    name: str
    label: Promise | str
    empty_label: Promise | str
    options: Callable[[AnyUser], list[tuple[str, str]]]
    apply: Callable[..., CustomerQuerySet]  # (qs, *, user, value: str) -> qs


_REGISTRY: dict[str, CustomerListFilter] = {}


def list_filter_register(list_filter: CustomerListFilter) -> None:
    """Register (or replace, on a repeated ``ready()``) the filter named ``name``."""
    _REGISTRY[list_filter.name] = list_filter


def list_filters() -> list[CustomerListFilter]:
    return list(_REGISTRY.values())


def list_filter_values(params: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs of registered filters present in query ``params``."""
    pairs = []
    for name in _REGISTRY:
        value = str(params.get(name, "") or "").strip()[:MAX_VALUE_LENGTH]
        if value:
            pairs.append((name, value))
    return tuple(pairs)


def list_filters_apply(
    qs: CustomerQuerySet, *, user: AnyUser, values: tuple[tuple[str, str], ...]
) -> CustomerQuerySet:
    for name, value in values:
        list_filter = _REGISTRY.get(name)
        if list_filter is not None:
            qs = list_filter.apply(qs, user=user, value=value)
    return qs


@dataclass(frozen=True)
class ListFilterChoice:
    """One registered filter as the list page shows it: a select with the chosen value."""

    name: str
    label: Promise | str
    empty_label: Promise | str
    options: list[tuple[str, str]]
    selected: str


def list_filter_choices(
    *, user: AnyUser, values: tuple[tuple[str, str], ...]
) -> list[ListFilterChoice]:
    """The registered filters that offer ``user`` at least one option."""
    chosen = dict(values)
    choices = []
    for list_filter in _REGISTRY.values():
        options = list_filter.options(user)
        if options:
            choices.append(
                ListFilterChoice(
                    name=list_filter.name,
                    label=list_filter.label,
                    empty_label=list_filter.empty_label,
                    options=options,
                    selected=chosen.get(list_filter.name, ""),
                )
            )
    return choices
