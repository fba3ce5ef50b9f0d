"""Saved-search filter expressions: [field, operator, value...] terms joined by "AND"/"OR",
nested lists for groups, an optional "NOT" before a term or group. Evaluated against customers."""
from __future__ import annotations

from .fields import search_value

TEXT_OPERATORS = {"is", "isnot", "contains", "doesnotcontain", "startswith", "doesnotstartwith"}
EMPTY_OPERATORS = {"isempty", "isnotempty"}
SET_OPERATORS = {"anyof", "noneof"}
NUMBER_OPERATORS = {"equalto", "notequalto", "greaterthan", "lessthan",
                    "greaterthanorequalto", "lessthanorequalto"}
OPERATORS = TEXT_OPERATORS | EMPTY_OPERATORS | SET_OPERATORS | NUMBER_OPERATORS


class CriteriaError(ValueError):
    pass


def _is_term(node) -> bool:
    return isinstance(node, list) and bool(node) and isinstance(node[0], str) and node[0].upper() not in ("AND", "OR", "NOT")


def validate(expr, column_ids: set[str]) -> None:
    """Raise CriteriaError naming the first unsupported thing."""
    if not isinstance(expr, list):
        raise CriteriaError("criteria must be a list")
    if not expr:
        return
    if _is_term(expr):
        _validate_term(expr, column_ids)
        return
    expect_operand = True
    for item in expr:
        if expect_operand:
            if isinstance(item, str) and item.upper() == "NOT":
                continue
            if not isinstance(item, list):
                raise CriteriaError(f"expected a filter term or group, got {item!r}")
            validate(item, column_ids)
            expect_operand = False
        else:
            if not (isinstance(item, str) and item.upper() in ("AND", "OR")):
                raise CriteriaError(f"expected AND or OR, got {item!r}")
            expect_operand = True
    if expect_operand:
        raise CriteriaError("criteria end with a dangling AND/OR/NOT")


def _validate_term(term: list, column_ids: set[str]) -> None:
    if len(term) < 2 or not isinstance(term[1], str):
        raise CriteriaError(f"filter term {term!r} needs a field and an operator")
    field, op = term[0].lower(), term[1].lower()
    if "." in field or ":" in field:
        raise CriteriaError(f"joined or formula filter {term[0]!r} is not supported by the mock")
    if field not in column_ids:
        raise CriteriaError(f"unknown search filter field {term[0]!r}")
    if op not in OPERATORS:
        raise CriteriaError(f"unsupported search operator {term[1]!r}")
    if op not in EMPTY_OPERATORS and len(term) < 3:
        raise CriteriaError(f"operator {term[1]!r} needs a value")


def matches(expr, customer: dict) -> bool:
    if not expr:
        return True
    if _is_term(expr):
        return _term(expr, customer)
    # AND binds tighter than OR, as in NetSuite filter expressions.
    result_or = False
    current_and = True
    negate = False
    for item in expr:
        if isinstance(item, str):
            word = item.upper()
            if word == "NOT":
                negate = not negate
            elif word == "OR":
                result_or = result_or or current_and
                current_and = True
            continue
        value = matches(item, customer)
        current_and = current_and and (not value if negate else value)
        negate = False
    return result_or or current_and


def _flatten_values(values: list) -> list:
    out = []
    for v in values:
        out.extend(_flatten_values(v) if isinstance(v, list) else [v])
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "T" if value else "F"
    return str(value)


def _term(term: list, customer: dict) -> bool:
    field, op = term[0].lower(), term[1].lower()
    values = _flatten_values(term[2:])
    actual = search_value(customer, field)
    text = _text(actual)
    # NetSuite search text comparisons are case-insensitive.
    low = text.lower()
    first = _text(values[0]).lower() if values else ""
    if op == "isempty":
        return text == ""
    if op == "isnotempty":
        return text != ""
    if op == "is":
        return low == first
    if op == "isnot":
        return low != first
    if op == "contains":
        return first in low
    if op == "doesnotcontain":
        return first not in low
    if op == "startswith":
        return low.startswith(first)
    if op == "doesnotstartwith":
        return not low.startswith(first)
    if op in SET_OPERATORS:
        wanted = {_text(v).lower() for v in values}
        hit = low in wanted or (text == "" and "@none@" in wanted)
        return hit if op == "anyof" else not hit
    try:
        number, target = float(text), float(first)
    except ValueError:
        return False
    return {"equalto": number == target, "notequalto": number != target,
            "greaterthan": number > target, "lessthan": number < target,
            "greaterthanorequalto": number >= target, "lessthanorequalto": number <= target}[op]
