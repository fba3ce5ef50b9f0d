"""Stripe's search query language for customers, compiled to a predicate.

Follows https://docs.stripe.com/search#search-query-language:
clause  := ['-'] field op value      field := name | metadata['key']
op      := ':' (match) | '~' (substring, 3+ chars) | '>' | '>=' | '<' | '<='  (comparators: numbers only)
value   := 'single' | "double" quoted string (backslash escapes quotes) | number | null
Clauses are separated by spaces (AND) or joined by AND / OR (keywords case-insensitive), never
both AND and OR in one query, at most 10 clauses.

`field:'a b'` matches a value containing the words a, b in that order (the docs' "email and name"
examples, and support's statement that string fields are matched as word sequences). Whether that
match is case-sensitive is not documented; like the word tokenisation of a search index, we
compare words case-insensitively (unconfirmed: never rely on search for case-exact matches).
"""

from __future__ import annotations

import re

from .errors import StripeError

FIELDS = {"customers": {"email": "string", "name": "string", "phone": "string", "created": "number",
                        "metadata": "metadata"}}
_CLAUSE = re.compile(r"""
    (?P<neg>-)?
    (?P<field>metadata\[(?P<mkey>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]|[A-Za-z_][A-Za-z0-9_.]*)
    (?P<op>>=|<=|:|~|>|<)
    (?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|null(?=\s|$)|-?\d+(?:\.\d+)?(?=\s|$)|[^\s'"]+)
""", re.X)
_JOIN = re.compile(r"\s+(?:(AND|OR)\s+)?", re.I)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_CLAUSES = 10


def _error(message: str) -> StripeError:
    return StripeError(400, message, param="query", executed=False)


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def contains_sequence(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def compile(query: str, resource: str = "customers"):
    fields = FIELDS[resource]
    text = query.strip()
    if not text:
        raise _error("The search query cannot be empty.")
    clauses, joins, pos = [], set(), 0
    while True:
        m = _CLAUSE.match(text, pos)
        if not m:
            raise _error(f"Invalid search query at position {pos}: expected a clause like field:'value' "
                         f"near {text[pos:pos + 20]!r}.")
        clauses.append(_clause(m, fields, resource))
        pos = m.end()
        if pos == len(text):
            break
        j = _JOIN.match(text, pos)
        if not j:
            raise _error(f"Invalid search query at position {pos}: expected a space, AND or OR near "
                         f"{text[pos:pos + 20]!r}.")
        joins.add((j.group(1) or "AND").upper())
        pos = j.end()
    if len(joins) > 1:
        raise _error("Search queries cannot combine AND and OR; use one or the other.")
    if len(clauses) > MAX_CLAUSES:
        raise _error(f"Search queries can have at most {MAX_CLAUSES} clauses.")
    if joins == {"OR"}:
        return lambda obj: any(c(obj) for c in clauses)
    return lambda obj: all(c(obj) for c in clauses)


def _clause(m, fields: dict, resource: str):
    field, op, raw = m.group("field"), m.group("op"), m.group("value")
    name = "metadata" if m.group("mkey") else field
    kind = fields.get(name)
    if kind == "metadata" and not m.group("mkey"):
        raise _error("Search metadata by key: metadata['key']:'value'.")
    if kind is None:
        raise _error(f"Field '{field}' is an unsupported search field for resource {resource}. See "
                     f"https://stripe.com/docs/search#query-fields-for-{resource} for a list of supported fields.")
    quoted = raw[0] in "'\""
    if raw == "null":
        value = None
    elif kind == "number":
        if quoted or not re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
            raise _error(f"Field '{field}' is numeric: give a number without quotes.")
        value = float(raw)
    else:
        if not quoted:
            raise _error(f"The value for '{field}' must be quoted.")
        value = _unquote(raw)

    if kind == "number":
        if op == "~":
            raise _error(f"Operator '~' is not supported for numeric field '{field}'.")
        mkey = None
    else:
        if op not in (":", "~"):
            raise _error(f"Operator '{op}' is only supported for numeric fields, not '{field}'.")
        if op == "~" and (kind == "metadata" or value is None or len(value) < 3):
            raise _error("The substring operator '~' needs a string value of at least 3 characters "
                         "and is not supported for metadata.")
        mkey = _unquote(m.group("mkey")) if kind == "metadata" else None

    def get(obj):
        return (obj.get("metadata") or {}).get(mkey) if mkey is not None else obj.get(name)

    wanted = words(value) if isinstance(value, str) else None

    def test(obj) -> bool:
        actual = get(obj)
        if value is None:
            return actual is None
        if actual is None:
            return False
        if kind == "number":
            return {":": actual == value, ">": actual > value, ">=": actual >= value,
                    "<": actual < value, "<=": actual <= value}[op]
        if op == "~":
            return value.lower() in str(actual).lower()
        if not wanted:
            return str(actual).strip() == value.strip()
        return contains_sequence(words(str(actual)), wanted)

    if m.group("neg"):
        return lambda obj: not test(obj)
    return test
