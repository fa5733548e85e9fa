"""The rule builder's form: rows of conditions posted as ``c-<row>-field``, ``c-<row>-op``
and ``c-<row>-value`` (several values for selects), turned into a rule set, and back into
rows for the template with each condition's widget choices and error."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import Promise

from campaigns.segments.rules import FIELDS, OP_LABELS, RuleField, ValueType
from campaigns.segments.selectors import segment_field_choices_for_user
from customers.selectors import AnyUser

ROW_KEY = re.compile(r"^c-(\d{1,4})-field$")
MULTI_VALUE_TYPES = (ValueType.CHOICES, ValueType.IDS)
DEFAULT_FIELD = "stage"


@dataclass
class ConditionRow:
    """One row of the builder as the template draws it."""

    index: int
    field: RuleField
    op: str
    value: Any
    choices: list[tuple[str, str]]
    ops: list[tuple[str, Promise]]
    error: str = ""

    @property
    def values(self) -> list[str]:
        """The value as strings, for marking options selected."""
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        if isinstance(self.value, bool):
            return ["true" if self.value else "false"]
        return [] if self.value in (None, "") else [str(self.value)]

    @property
    def text(self) -> str:
        return ", ".join(self.values)

    @property
    def widget(self) -> str:
        """The value's input: multi (select several), select, boolean, date, integer,
        fraction or text."""
        return {
            ValueType.CHOICES: "multi",
            ValueType.IDS: "multi",
            ValueType.PURPOSE: "select",
            ValueType.BOOLEAN: "boolean",
            ValueType.DATE: "date",
            ValueType.INTEGER: "integer",
            ValueType.FRACTION: "fraction",
        }.get(self.field.value_type, "text")


@dataclass
class BuilderForm:
    name: str = ""
    description: str = ""
    match: str = "all"
    rows: list[int] = field(default_factory=list)  # row index per condition, in order
    rules: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # "name", "rules"


def rules_from_post(data: QueryDict) -> tuple[dict[str, Any], list[int]]:
    """The posted rule set (not yet validated) and the row index of each condition."""
    rows = sorted(int(m.group(1)) for key in data if (m := ROW_KEY.match(key)))
    conditions = []
    for row in rows:
        name = data.get(f"c-{row}-field", "")
        rule_field = FIELDS.get(name)
        key = f"c-{row}-value"
        if rule_field is not None and rule_field.value_type in MULTI_VALUE_TYPES:
            value: Any = data.getlist(key)
        else:
            value = data.get(key, "")
        conditions.append({"field": name, "op": data.get(f"c-{row}-op", ""), "value": value})
    match = data.get("match", "all")
    return {"match": match, "conditions": conditions}, rows


def builder_form_from_post(data: QueryDict) -> BuilderForm:
    rules, rows = rules_from_post(data)
    return BuilderForm(
        name=data.get("name", "").strip(),
        description=data.get("description", "").strip(),
        match=rules["match"],
        rows=rows,
        rules=rules,
    )


def condition_errors(exc: ValidationError, rows: list[int]) -> tuple[dict[int, str], list[str]]:
    """Errors by row index (from each error's condition number), and the rule set's own."""
    by_row: dict[int, str] = {}
    general: list[str] = []
    for error in exc.error_list:
        number = (error.params or {}).get("condition", 0)
        message = " ".join(error.messages)
        if isinstance(number, int) and 1 <= number <= len(rows):
            by_row[rows[number - 1]] = message
        else:
            general.append(message)
    return by_row, general


def condition_row(
    *, user: AnyUser, index: int, field_name: str, op: str = "", value: Any = None
) -> ConditionRow:
    """A row for ``field_name`` (the default field when unknown), with an op it offers."""
    rule_field = FIELDS.get(field_name) or FIELDS[DEFAULT_FIELD]
    if op not in rule_field.ops:
        op = rule_field.ops[0]
    return ConditionRow(
        index=index,
        field=rule_field,
        op=op,
        value=value,
        choices=segment_field_choices_for_user(user=user, field=rule_field.name),
        ops=[(o, OP_LABELS[o]) for o in rule_field.ops],
    )


def condition_rows(
    *, user: AnyUser, rules: dict[str, Any], rows: list[int], errors: dict[int, str]
) -> list[ConditionRow]:
    conditions = rules.get("conditions", []) if isinstance(rules, dict) else []
    out = []
    for position, condition in enumerate(conditions):
        index = rows[position] if position < len(rows) else position
        if not isinstance(condition, dict):
            continue
        row = condition_row(
            user=user,
            index=index,
            field_name=str(condition.get("field", "")),
            op=str(condition.get("op", "")),
            value=condition.get("value"),
        )
        row.error = errors.get(index, "")
        out.append(row)
    return out
