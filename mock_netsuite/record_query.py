"""The record service's `q` filter: `email IS "a@b.com" AND (isInactive IS false OR id ANY_OF [1, 2])`.

Operators per field type as Record Collection Filtering lists them
(https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1545222128.html); dates take
AFTER, BEFORE, ON, ON_OR_AFTER, ON_OR_BEFORE and their _NOT forms (WITHIN is listed for numbers only).
"""
from __future__ import annotations

from . import dates
from .errors import NsError
from .fields import BODY_FIELDS, READ_ONLY_FIELDS, canonical_customer_key

TEXT_OPS = {"IS", "IS_NOT", "CONTAIN", "CONTAIN_NOT", "START_WITH", "START_WITH_NOT", "END_WITH", "END_WITH_NOT"}
NUMBER_OPS = {"EQUAL", "EQUAL_NOT", "GREATER", "GREATER_NOT", "GREATER_OR_EQUAL", "GREATER_OR_EQUAL_NOT",
              "LESS", "LESS_NOT", "LESS_OR_EQUAL", "LESS_OR_EQUAL_NOT", "ANY_OF", "ANY_OF_NOT",
              "BETWEEN", "BETWEEN_NOT", "WITHIN", "WITHIN_NOT"}
DATE_OPS = {"AFTER", "AFTER_NOT", "BEFORE", "BEFORE_NOT", "ON", "ON_NOT", "ON_OR_AFTER", "ON_OR_AFTER_NOT",
            "ON_OR_BEFORE", "ON_OR_BEFORE_NOT"}
BOOLEAN_OPS = {"IS", "IS_NOT"}
EMPTY_OPS = {"EMPTY", "EMPTY_NOT"}
PUNCT = "()[],"


def bad_query(problem: str) -> NsError:
    return NsError(400, "INVALID_PARAMETER",
                   "Invalid search query. Detailed unprocessed description follows. "
                   f"Search error occurred: {problem}", query_param="q")


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in PUNCT:
            tokens.append(("punct", ch))
            i += 1
        elif ch in "\"'":
            j, buf = i + 1, []
            while j < len(text) and text[j] != ch:
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= len(text):
                raise bad_query(f"Unterminated string starting at position {i}.")
            tokens.append(("string", "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in PUNCT + "\"'":
                j += 1
            tokens.append(("word", text[i:j]))
            i = j
    return tokens


def field_kind(name: str, custom: dict[str, str]) -> str:
    if name == "id":
        return "number"
    ftype = BODY_FIELDS.get(name) or READ_ONLY_FIELDS.get(name) or custom.get(name)
    if ftype == "datetime":
        return "date"
    if ftype in ("boolean", "checkbox"):
        return "boolean"
    if ftype in ("ref", "integer"):
        return "number"
    if ftype == "addressbook":
        return "sublist"
    return "text"


class _Parser:
    def __init__(self, text: str, custom: dict[str, str]):
        self.tokens = tokenize(text)
        self.pos = 0
        self.custom = custom

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        if tok[0] is None:
            raise bad_query("Unexpected end of query.")
        self.pos += 1
        return tok

    def parse(self):
        if not self.tokens:
            raise bad_query("The query is empty.")
        pred = self.or_expr()
        if self.pos != len(self.tokens):
            raise bad_query(f"Unexpected token '{self.peek()[1]}'.")
        return pred

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek()[0] == "word" and self.peek()[1].upper() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda c: any(p(c) for p in parts))

    def and_expr(self):
        parts = [self.primary()]
        while self.peek()[0] == "word" and self.peek()[1].upper() == "AND":
            self.take()
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else (lambda c: all(p(c) for p in parts))

    def primary(self):
        if self.peek() == ("punct", "("):
            self.take()
            pred = self.or_expr()
            if self.peek() != ("punct", ")"):
                raise bad_query("Missing closing parenthesis.")
            self.take()
            return pred
        return self.condition()

    def value(self):
        kind, text = self.take()
        if kind == "punct":
            raise bad_query(f"Expected a value, got '{text}'.")
        return kind, text

    def values_list(self):
        if self.peek() != ("punct", "["):
            return [self.value()]
        self.take()
        items = [self.value()]
        while self.peek() == ("punct", ","):
            self.take()
            items.append(self.value())
        if self.peek() != ("punct", "]"):
            raise bad_query("Missing closing bracket in value list.")
        self.take()
        return items

    def condition(self):
        kind, field = self.take()
        if kind != "word":
            raise bad_query(f"Expected a field name, got '{field}'.")
        name = "id" if field.lower() == "id" else canonical_customer_key(field, self.custom)
        if name is None:
            raise bad_query(f"Field '{field}' for record 'customer' was not found.")
        fkind = field_kind(name, self.custom)
        if fkind == "sublist":
            raise bad_query(f"Field '{field}' is a sublist and cannot be used in a query.")
        kind, op = self.take()
        op = op.upper() if kind == "word" else op
        if op in EMPTY_OPS:
            want_empty = op == "EMPTY"
            return lambda c: (_raw(c, name) in (None, "")) == want_empty
        allowed = {"text": TEXT_OPS, "number": NUMBER_OPS, "boolean": BOOLEAN_OPS, "date": DATE_OPS}[fkind]
        if op not in allowed:
            raise bad_query(f"Operator '{op}' is not valid for field '{field}'. "
                            f"Valid operators: {', '.join(sorted(allowed | EMPTY_OPS))}.")
        if fkind == "boolean":
            _vkind, vtext = self.value()
            if vtext.lower() not in ("true", "false", "t", "f"):
                raise bad_query(f"Invalid boolean value '{vtext}' for field '{field}'.")
            want = vtext.lower() in ("true", "t")
            if op == "IS_NOT":
                want = not want
            return lambda c: bool(_raw(c, name)) == want
        if fkind == "date":
            _vkind, vtext = self.value()
            parsed = dates.parse_user(vtext)
            if parsed is None:
                raise bad_query(f"Invalid date value '{vtext}' for field '{field}'; use the date format "
                                "of the user's preferences, e.g. 1/31/2024.")
            return _date_predicate(op, name, *parsed)
        if fkind == "number":
            values = self.values_list()
            try:
                nums = [float(v) for _, v in values]
            except ValueError:
                raise bad_query(f"Invalid number in value for field '{field}'.") from None
            if op.startswith(("BETWEEN", "WITHIN")) and len(nums) != 2:
                raise bad_query(f"Operator '{op}' needs two values.")
            if not op.startswith(("ANY_OF", "BETWEEN", "WITHIN")) and len(nums) != 1:
                raise bad_query(f"Operator '{op}' takes one value.")
            return lambda c: _number_op(op, _raw(c, name), nums)
        _vkind, vtext = self.value()
        target = vtext.lower()
        negate = op.endswith("_NOT")
        base = op[:-4] if negate else op

        def text_pred(c):
            actual = (_raw(c, name) or "").lower()
            # Unconfirmed: matching is case-insensitive, as NetSuite searches are.
            hit = {"IS": actual == target, "CONTAIN": target in actual,
                   "START_WITH": actual.startswith(target), "END_WITH": actual.endswith(target)}[base]
            return not hit if negate else hit
        return text_pred


def _raw(cust: dict, name: str):
    return cust.get(name)


def _number_op(op: str, actual, nums: list[float]) -> bool:
    if actual in (None, ""):
        return op.endswith("_NOT")
    value = float(actual)
    negate = op.endswith("_NOT") and op not in ("EQUAL_NOT", "ANY_OF_NOT")
    base = op[:-4] if negate else op
    result = {
        "EQUAL": lambda: value == nums[0], "EQUAL_NOT": lambda: value != nums[0],
        "GREATER": lambda: value > nums[0], "GREATER_OR_EQUAL": lambda: value >= nums[0],
        "LESS": lambda: value < nums[0], "LESS_OR_EQUAL": lambda: value <= nums[0],
        "ANY_OF": lambda: value in nums, "ANY_OF_NOT": lambda: value not in nums,
        "BETWEEN": lambda: nums[0] <= value <= nums[1],
        "WITHIN": lambda: nums[0] <= value <= nums[1],  # unconfirmed: WITHIN as an inclusive range
    }[base]()
    return not result if negate else result


def _date_predicate(op: str, name: str, moment, has_time: bool):
    """Date-only values compare whole days (ON 1/31/2024 is that day); values with a time compare moments."""
    negate = op.endswith("_NOT")
    base = op[:-4] if negate else op

    def pred(cust: dict) -> bool:
        stored = dates.parse_iso(cust.get(name))
        if stored is None:
            return negate
        a, b = (stored, moment) if has_time else (stored.date(), moment.date())
        hit = {"AFTER": a > b, "BEFORE": a < b, "ON": a == b, "ON_OR_AFTER": a >= b, "ON_OR_BEFORE": a <= b}[base]
        return not hit if negate else hit
    return pred


def compile_query(text: str, custom: dict[str, str]):
    """Return a predicate over stored customers, or raise NsError(400) naming the problem."""
    return _Parser(text, custom).parse()
