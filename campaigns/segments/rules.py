"""The rules of a segment: their format, the fields they may use, and their Django filter.

A rule set is ``{"match": "all" | "any", "conditions": [{"field", "op", "value"}, ...]}``;
no conditions means everyone the user may see. ``segment_rules_clean`` validates and
normalises (numbers from form strings become numbers, a single choice becomes a list),
``segment_rules_q`` turns a rule set into one ``Q`` over Customer and ``segment_members``
applies it behind the permission door.

Every condition is set-based: a column of the customer, of its latest score (one join on
the one-to-one ``score``) or a semi-join ``pk IN (SELECT customer_id ...)`` over a small
table (tags, complaints, clusters), so a count is one SQL statement at any base size.
Behaviour fields read the latest score: a customer never scored has no recency, orders or
risk yet and matches no condition on them. Day counts are taken against today's local date.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.models import BehaviourCluster, BehaviourClusterMember, Segment
from churn.models import ValueTier
from customers.consent import consent_allows
from customers.models import Consent, Customer, CustomerQuerySet
from customers.selectors import customer_list_for_user
from interactions.models import Complaint

AnyUser = User | AbstractBaseUser | AnonymousUser

MAX_CONDITIONS = 30  # a longer rule set is a mistake, and each condition is a join or scan
MAX_CHOICES = 200  # values of one "is any of" condition
COMPLAINT_WINDOW_DAYS = 90  # complaints_90d
ISO_COUNTRY_LENGTH = 2  # ISO 3166 alpha-2
SETTLED_COMPLAINT_STATUSES = (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)

MATCHES = ("all", "any")


class Op:
    IN = "in"
    NOT_IN = "not_in"
    EQ = "eq"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    BEFORE = "before"
    AFTER = "after"
    IS = "is"
    ALLOWED = "allowed"
    NOT_ALLOWED = "not_allowed"


OP_LABELS: dict[str, Promise] = {
    Op.IN: _("is any of"),
    Op.NOT_IN: _("is none of"),
    Op.EQ: _("="),
    Op.LT: _("<"),
    Op.LTE: _("≤"),
    Op.GT: _(">"),
    Op.GTE: _("≥"),
    Op.BEFORE: _("before"),
    Op.AFTER: _("after"),
    Op.IS: _("is"),
    Op.ALLOWED: _("allowed"),
    Op.NOT_ALLOWED: _("not allowed"),
}
CHOICE_OPS = (Op.IN, Op.NOT_IN)
NUMBER_OPS = (Op.GTE, Op.GT, Op.LTE, Op.LT, Op.EQ)
DATE_OPS = (Op.BEFORE, Op.AFTER)


class ValueType:
    """What a condition's value is, which also picks the builder's widget."""

    CHOICES = "choices"  # a list of values from a fixed vocabulary (strings)
    IDS = "ids"  # a list of row ids (owners, teams, tags, clusters)
    TEXTS = "texts"  # a list of free codes (countries), comma-separated in forms
    INTEGER = "integer"  # a whole number >= 0
    FRACTION = "fraction"  # a number in [0, 1]
    DATE = "date"  # ISO date
    BOOLEAN = "boolean"
    PURPOSE = "purpose"  # one consent purpose


@dataclass(frozen=True)
class RuleField:
    name: str
    label: Promise
    value_type: str
    ops: tuple[str, ...]
    build: Callable[[str, Any], Q]
    # The fixed vocabulary of CHOICES and PURPOSE fields; ids come from selectors.
    choices: Callable[[], list[tuple[str, str]]] | None = None
    help_text: Promise | str = ""


# -- builders ----------------------------------------------------------------------------


def _compare(lookup: str, op: str, value: Any) -> Q:
    suffix = {Op.EQ: "", Op.LT: "__lt", Op.LTE: "__lte", Op.GT: "__gt", Op.GTE: "__gte"}[op]
    return Q(**{f"{lookup}{suffix}": value})


def _choice(lookup: str) -> Callable[[str, Any], Q]:
    def build(op: str, value: Any) -> Q:
        q = Q(**{f"{lookup}__in": value})
        return ~q if op == Op.NOT_IN else q

    return build


def _number(lookup: str) -> Callable[[str, Any], Q]:
    def build(op: str, value: Any) -> Q:
        return _compare(lookup, op, value)

    return build


# "n days ago or longer" is "on or before the day n days ago": the comparison flips.
_DAYS_TO_DATE = {Op.GTE: Op.LTE, Op.GT: Op.LT, Op.LTE: Op.GTE, Op.LT: Op.GT, Op.EQ: Op.EQ}


def _days_since(lookup: str, *, is_datetime: bool = False) -> Callable[[str, Any], Q]:
    """A day count since a date column, as a comparison of the column with a fixed day
    (which an index on the column can serve)."""

    def build(op: str, value: Any) -> Q:
        day = timezone.localdate() - timedelta(days=value)
        date_op = _DAYS_TO_DATE[op]
        if not is_datetime:
            return _compare(lookup, date_op, day)
        start, end = _day_start(day), _day_start(day + timedelta(days=1))
        return {
            Op.LTE: Q(**{f"{lookup}__lt": end}),
            Op.LT: Q(**{f"{lookup}__lt": start}),
            Op.GTE: Q(**{f"{lookup}__gte": start}),
            Op.GT: Q(**{f"{lookup}__gte": end}),
            Op.EQ: Q(**{f"{lookup}__gte": start, f"{lookup}__lt": end}),
        }[date_op]

    return build


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _date(lookup: str) -> Callable[[str, Any], Q]:
    def build(op: str, value: Any) -> Q:
        day = date.fromisoformat(value)
        return Q(**{f"{lookup}__lt" if op == Op.BEFORE else f"{lookup}__gt": day})

    return build


def _customers_with_at_least(rows: QuerySet[Any, Any], count: int) -> Q:
    """Customers with at least ``count`` of ``rows`` (a semi-join; ``count`` >= 1)."""
    having = (
        rows.order_by()
        .values("customer_id")
        .annotate(found=Count("pk"))
        .filter(found__gte=count)
        .values("customer_id")
    )
    return Q(pk__in=having)


def _row_count(rows: Callable[[], QuerySet[Any, Any]]) -> Callable[[str, Any], Q]:
    """A count of rows per customer compared with a number. Written as "at least k" (or
    not), so customers with none need no row and the subquery only touches the rows."""

    def at_least(count: int) -> Q:
        return Q() if count <= 0 else _customers_with_at_least(rows(), count)

    def build(op: str, value: Any) -> Q:
        if op == Op.GTE:
            return at_least(value)
        if op == Op.GT:
            return at_least(value + 1)
        if op == Op.LT:
            return ~at_least(value) if value > 0 else Q(pk__in=[])
        if op == Op.LTE:
            return ~at_least(value + 1)
        if value == 0:  # EQ
            return ~at_least(1)
        return at_least(value) & ~at_least(value + 1)

    return build


def _open_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.exclude(status__in=SETTLED_COMPLAINT_STATUSES)


def _recent_complaints() -> QuerySet[Complaint]:
    since = timezone.now() - timedelta(days=COMPLAINT_WINDOW_DAYS)
    return Complaint.objects.filter(opened_at__gte=since)


def _tag(op: str, value: Any) -> Q:
    through = Customer.tags.through.objects.filter(tag_id__in=value).values("customer_id")
    q = Q(pk__in=through)
    return ~q if op == Op.NOT_IN else q


def _cluster(op: str, value: Any) -> Q:
    """A cluster stands for its description: members are replaced by every clustering run
    and the clusters get new ids, so a saved condition on a cluster of an earlier run
    matches the customers now in a cluster described the same way."""
    labels = BehaviourCluster.objects.filter(pk__in=value).values("label")
    members = BehaviourClusterMember.objects.filter(cluster__label__in=labels).values("customer_id")
    q = Q(pk__in=members)
    return ~q if op == Op.NOT_IN else q


def _consent(op: str, value: Any) -> Q:
    q = consent_allows(value)
    return ~q if op == Op.NOT_ALLOWED else q


def _boolean(lookup: str) -> Callable[[str, Any], Q]:
    def build(op: str, value: Any) -> Q:
        return Q(**{lookup: value})

    return build


def _is_silent(op: str, value: Any) -> Q:
    return Q(silent_since__isnull=not value)


def _languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _stages() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Customer.Stage.choices]


def _tiers() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ValueTier.choices]


def _purposes() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Consent.Purpose.choices]


_FIELDS = (
    RuleField("stage", _("Stage"), ValueType.CHOICES, CHOICE_OPS, _choice("stage"), _stages),
    RuleField("tag", _("Tag"), ValueType.IDS, CHOICE_OPS, _tag),
    RuleField(
        "language", _("Language"), ValueType.CHOICES, CHOICE_OPS, _choice("language"), _languages
    ),
    RuleField(
        "country",
        _("Country"),
        ValueType.TEXTS,
        CHOICE_OPS,
        _choice("country"),
        help_text=_("ISO codes, comma-separated: LT, LV"),
    ),
    RuleField("owner", _("Owner"), ValueType.IDS, CHOICE_OPS, _choice("owner_id")),
    RuleField("team", _("Team"), ValueType.IDS, CHOICE_OPS, _choice("team_id")),
    RuleField(
        "recency_days",
        _("Days since the last order"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _days_since("score__last_order_on"),
    ),
    RuleField(
        "order_count", _("Orders"), ValueType.INTEGER, NUMBER_OPS, _number("score__order_count")
    ),
    RuleField(
        "revenue_cents",
        _("Revenue (cents)"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _number("score__revenue_cents"),
    ),
    RuleField(
        "expected_value_cents",
        _("Expected value (cents)"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _number("score__expected_value_cents"),
    ),
    RuleField(
        "value_tier",
        _("Lifetime value tier"),
        ValueType.CHOICES,
        CHOICE_OPS,
        _choice("score__value_tier"),
        _tiers,
    ),
    RuleField(
        "is_most_valuable",
        _("Most valuable"),
        ValueType.BOOLEAN,
        (Op.IS,),
        _boolean("score__is_most_valuable"),
    ),
    RuleField(
        "churn_probability",
        _("Churn risk"),
        ValueType.FRACTION,
        NUMBER_OPS,
        _number("score__churn_probability"),
        help_text=_("From 0 to 1"),
    ),
    RuleField("is_silent", _("Silent"), ValueType.BOOLEAN, (Op.IS,), _is_silent),
    RuleField(
        "silent_days",
        _("Days silent"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _days_since("silent_since"),
    ),
    RuleField(
        "last_order_on", _("Last order"), ValueType.DATE, DATE_OPS, _date("score__last_order_on")
    ),
    RuleField(
        "open_complaints",
        _("Open complaints"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _row_count(_open_complaints),
    ),
    RuleField(
        "complaints_90d",
        _("Complaints in the last 90 days"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _row_count(_recent_complaints),
    ),
    RuleField(
        "consent",
        _("Consent"),
        ValueType.PURPOSE,
        (Op.ALLOWED, Op.NOT_ALLOWED),
        _consent,
        _purposes,
    ),
    RuleField(
        "customer_since_days",
        _("Days as a customer"),
        ValueType.INTEGER,
        NUMBER_OPS,
        _days_since("created_at", is_datetime=True),
    ),
    RuleField(
        "behaviour_cluster",
        _("Behaviour cluster"),
        ValueType.IDS,
        CHOICE_OPS,
        _cluster,
        help_text=_("Suggested segments of the latest clustering"),
    ),
)
FIELDS: dict[str, RuleField] = {f.name: f for f in _FIELDS}


# -- validation ---------------------------------------------------------------------------


class _BadValueError(ValueError):
    """A value that does not fit its field; the message says what was expected."""


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or value == "":
        return []
    return [value]


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _BadValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise _BadValueError


def _clean_choices(field: RuleField, value: Any) -> list[str]:
    allowed = {code for code, _label in field.choices()} if field.choices else set()
    values = [str(v) for v in _as_list(value)]
    if not values or any(v not in allowed for v in values):
        raise _BadValueError(
            _("choose one or more of: %(allowed)s") % {"allowed": ", ".join(allowed)}
        )
    return sorted(set(values))


def _clean_ids(value: Any) -> list[int]:
    try:
        ids = sorted({_as_int(v) for v in _as_list(value)})
    except _BadValueError:
        raise _BadValueError(_("choose one or more from the list")) from None
    if not ids or ids[0] <= 0:
        raise _BadValueError(_("choose one or more from the list"))
    return ids


def _clean_texts(value: Any) -> list[str]:
    raw = value.split(",") if isinstance(value, str) else _as_list(value)
    codes = sorted({str(v).strip().upper() for v in raw if str(v).strip()})
    if not codes or any(len(c) != ISO_COUNTRY_LENGTH or not c.isalpha() for c in codes):
        raise _BadValueError(_("give two-letter country codes, comma-separated"))
    return codes


def _clean_integer(value: Any) -> int:
    try:
        number = _as_int(value)
    except _BadValueError:
        raise _BadValueError(_("enter a whole number")) from None
    if number < 0:
        raise _BadValueError(_("enter a number of 0 or more"))
    return number


def _clean_fraction(value: Any) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 <= number <= 1:
        raise _BadValueError(_("enter a number from 0 to 1"))
    return number


def _clean_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _BadValueError(_("enter a date as YYYY-MM-DD")) from None


def _clean_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise _BadValueError(_("choose yes or no"))


def _clean_purpose(field: RuleField, value: Any) -> str:
    allowed = [code for code, _label in field.choices()] if field.choices else []
    if str(value) not in allowed:
        raise _BadValueError(_("choose one of: %(allowed)s") % {"allowed": ", ".join(allowed)})
    return str(value)


def _clean_value(field: RuleField, value: Any) -> Any:
    cleaners: dict[str, Callable[[Any], Any]] = {
        ValueType.CHOICES: lambda v: _clean_choices(field, v),
        ValueType.IDS: _clean_ids,
        ValueType.TEXTS: _clean_texts,
        ValueType.INTEGER: _clean_integer,
        ValueType.FRACTION: _clean_fraction,
        ValueType.DATE: _clean_date,
        ValueType.BOOLEAN: _clean_boolean,
        ValueType.PURPOSE: lambda v: _clean_purpose(field, v),
    }
    cleaned = cleaners[field.value_type](value)
    if isinstance(cleaned, list) and len(cleaned) > MAX_CHOICES:
        raise _BadValueError(_("choose at most %(n)s values") % {"n": MAX_CHOICES})
    return cleaned


def _condition_error(number: int, field: str, message: str, code: str) -> ValidationError:
    if field:
        text = _("Condition %(number)s (%(field)s): %(problem)s.")
    else:
        text = _("Condition %(number)s: %(problem)s.")
    params = {"number": number, "field": field, "problem": message}
    return ValidationError(text % params, code=code, params={"condition": number})


def _clean_condition(number: int, raw: Any) -> dict[str, Any]:
    """One condition, normalised; raises a ValidationError naming it (1-based ``number``)."""
    if not isinstance(raw, dict):
        raise _condition_error(number, "", str(_("not a condition object")), "not_object")
    name = raw.get("field")
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        problem = _('unknown field "%(name)s"') % {"name": name}
        raise _condition_error(number, "", problem, "unknown_field")
    op = raw.get("op")
    if op not in field.ops:
        problem = _('"%(op)s" is not an operator of this field; use one of: %(ops)s') % {
            "op": op,
            "ops": ", ".join(field.ops),
        }
        raise _condition_error(number, field.name, problem, "bad_op")
    try:
        value = _clean_value(field, raw.get("value"))
    except _BadValueError as exc:
        problem = str(exc) or str(_("the value does not fit this field"))
        raise _condition_error(number, field.name, problem, "bad_value") from None
    return {"field": field.name, "op": op, "value": value}


def segment_rules_clean(rules: object) -> dict[str, Any]:
    """Validate and normalise a rule set. Raises ValidationError listing every wrong
    condition; each error's ``params["condition"]`` is its 1-based number (0 for the rule
    set as a whole), which forms use to show the error next to the condition."""
    if rules is None or rules == {}:
        return {"match": "all", "conditions": []}
    if not isinstance(rules, dict):
        raise ValidationError(
            _("Rules must be an object with match and conditions."),
            code="not_object",
            params={"condition": 0},
        )
    match = rules.get("match", "all")
    if match not in MATCHES:
        raise ValidationError(
            _('Rules: match must be "all" or "any".'), code="bad_match", params={"condition": 0}
        )
    conditions = rules.get("conditions", [])
    if not isinstance(conditions, list):
        raise ValidationError(
            _("Rules: conditions must be a list."), code="not_list", params={"condition": 0}
        )
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(
            _("Rules: at most %(n)s conditions.") % {"n": MAX_CONDITIONS},
            code="too_many",
            params={"condition": 0},
        )
    cleaned, errors = [], []
    for number, raw in enumerate(conditions, start=1):
        try:
            cleaned.append(_clean_condition(number, raw))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return {"match": match, "conditions": cleaned}


def segment_rules_q(rules: dict[str, Any]) -> Q:
    """The rule set as one filter on Customer (validated first; raises ValidationError)."""
    cleaned = segment_rules_clean(rules)
    parts = [FIELDS[c["field"]].build(c["op"], c["value"]) for c in cleaned["conditions"]]
    if cleaned["match"] == "all" or not parts:
        q = Q()
        for part in parts:
            q &= part
        return q
    if any(not part for part in parts):  # an empty Q matches everyone
        return Q()
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def segment_members(
    *, user: AnyUser, segment: Segment | None = None, rules: dict[str, Any] | None = None
) -> CustomerQuerySet:
    """The customers of a saved segment (or of unsaved ``rules``) among those ``user`` may
    see: the permission door always applies, so a manager's count is his teams' customers."""
    if segment is not None:
        rules = segment.rules
    elif rules is None:
        raise TypeError("segment_members needs a segment or rules")
    return customer_list_for_user(user=user).filter(segment_rules_q(rules))
