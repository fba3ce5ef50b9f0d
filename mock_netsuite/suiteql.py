"""SuiteQL: a small tokenizer, a recursive-descent parser and an evaluator for the subset custsync uses.

SELECT [DISTINCT] col [AS name], ... | *  FROM table [alias]  [WHERE cond]  [ORDER BY col [ASC|DESC], ...]
cond: = <> != < > <= >=, [NOT] LIKE, IS [NOT] NULL, [NOT] IN (...), [NOT] BETWEEN, AND/OR/NOT, ( ),
string and number literals, UPPER()/LOWER(). Anything else is refused with a 400 naming it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from datetime import datetime, timezone

from . import dates
from .errors import NsError
from .fields import SUITEQL_BODY_COLUMNS

KEYWORDS = {"SELECT", "DISTINCT", "FROM", "WHERE", "AND", "OR", "NOT", "LIKE", "IS", "NULL", "IN",
            "ORDER", "BY", "ASC", "DESC", "AS", "BETWEEN", "ESCAPE"}
UNSUPPORTED = {"JOIN", "INNER", "LEFT", "RIGHT", "OUTER", "FULL", "CROSS", "ON", "GROUP", "HAVING", "UNION",
               "INTERSECT", "MINUS", "EXCEPT", "FETCH", "OFFSET", "LIMIT", "TOP", "CASE", "WITH", "INSERT",
               "UPDATE", "DELETE", "EXISTS", "ROWNUM", "CONNECT", "PIVOT"}
FUNCTIONS = {"UPPER", "LOWER", "TO_DATE", "TO_CHAR"}
# TO_DATE / TO_CHAR formats the mock understands (Oracle format models).
DATE_FORMATS = {"YYYY-MM-DD": "%Y-%m-%d", "MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y",
                "YYYY-MM-DD HH24:MI:SS": "%Y-%m-%d %H:%M:%S", "DD.MM.YYYY": "%d.%m.%Y"}

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_$#]*)
  | (?P<op><>|!=|<=|>=|=|<|>|\|\|)
  | (?P<punct>[(),.*;])
""", re.VERBOSE)


def query_error(problem: str) -> NsError:
    return NsError(400, "INVALID_PARAMETER",
                   f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {problem}")


@dataclass
class Tok:
    kind: str  # number, string, ident, keyword, op, punct, end
    value: str
    pos: int


def tokenize(text: str) -> list[Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            snippet = text[pos:pos + 10]
            if text[pos] == "'":
                raise query_error(f"Unterminated string literal at position {pos}.")
            raise query_error(f"Unsupported character near '{snippet}' at position {pos}.")
        kind = m.lastgroup
        value = m.group()
        if kind == "string":
            out.append(Tok("string", value[1:-1].replace("''", "'"), pos))
        elif kind == "ident":
            up = value.upper()
            out.append(Tok("keyword", up, pos) if up in KEYWORDS else Tok("ident", value.lower(), pos))
        elif kind == "op" and value == "||":
            raise query_error("The || operator is not supported by the mock.")
        elif kind != "ws":
            out.append(Tok(kind, value, pos))
        pos = m.end()
    out.append(Tok("end", "", len(text)))
    return out


# --- AST
@dataclass
class Column:
    qualifier: str | None
    name: str


@dataclass
class Literal:
    value: object


@dataclass
class Func:
    name: str
    arg: object
    fmt: object = None  # TO_DATE / TO_CHAR's format


@dataclass
class Compare:
    op: str
    left: object
    right: object


@dataclass
class Like:
    expr: object
    pattern: object
    negate: bool


@dataclass
class IsNull:
    expr: object
    negate: bool


@dataclass
class InList:
    expr: object
    items: list
    negate: bool


@dataclass
class Between:
    expr: object
    low: object
    high: object
    negate: bool


@dataclass
class BoolOp:
    op: str  # AND / OR
    parts: list


@dataclass
class Not:
    expr: object


@dataclass
class Query:
    items: list  # [(expr, output name)] or None for *
    distinct: bool
    table: str
    alias: str | None
    where: object | None
    order: list = field(default_factory=list)  # [(expr, descending)]


class Parser:
    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def advance(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, value: str | None = None) -> bool:
        return self.tok.kind == kind and (value is None or self.tok.value == value)

    def accept(self, kind: str, value: str | None = None) -> bool:
        if self.at(kind, value):
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None, what: str | None = None) -> Tok:
        if not self.at(kind, value):
            self.fail(f"expected {what or value or kind}")
        return self.advance()

    def fail(self, expected: str):
        tok = self.tok
        if tok.kind == "ident" and tok.value.upper() in UNSUPPORTED:
            raise query_error(f"'{tok.value.upper()}' is not supported by the mock's SuiteQL.")
        found = "end of query" if tok.kind == "end" else f"'{tok.value}'"
        raise query_error(f"Syntax error at position {tok.pos}: {expected}, found {found}.")

    def parse(self) -> Query:
        self.expect("keyword", "SELECT")
        distinct = self.accept("keyword", "DISTINCT")
        items = None
        if not self.accept("punct", "*"):
            items = [self.select_item()]
            while self.accept("punct", ","):
                items.append(self.select_item())
        self.expect("keyword", "FROM")
        if self.at("punct", "("):
            raise query_error("Subqueries are not supported by the mock's SuiteQL.")
        table = self.expect("ident", what="a table name").value
        alias = None
        if self.accept("keyword", "AS") or self.at("ident"):
            alias = self.expect("ident", what="a table alias").value
            if alias.upper() in UNSUPPORTED:
                self.i -= 1
                self.fail("WHERE, ORDER BY or the end of the query")
        if self.at("punct", ","):
            raise query_error("Joins (several tables in FROM) are not supported by the mock's SuiteQL.")
        where = None
        if self.accept("keyword", "WHERE"):
            where = self.or_expr()
        order = []
        if self.accept("keyword", "ORDER"):
            self.expect("keyword", "BY")
            while True:
                expr = self.operand()
                desc = False
                if self.accept("keyword", "DESC"):
                    desc = True
                else:
                    self.accept("keyword", "ASC")
                order.append((expr, desc))
                if not self.accept("punct", ","):
                    break
        self.accept("punct", ";")
        if not self.at("end"):
            self.fail("the end of the query")
        return Query(items, distinct, table, alias, where, order)

    def select_item(self):
        expr = self.operand()
        name = None
        if self.accept("keyword", "AS"):
            name = self.expect("ident", what="a column alias").value
        elif self.at("ident") and self.tok.value.upper() not in UNSUPPORTED:
            name = self.advance().value
        return expr, name

    def or_expr(self):
        parts = [self.and_expr()]
        while self.accept("keyword", "OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp("OR", parts)

    def and_expr(self):
        parts = [self.not_expr()]
        while self.accept("keyword", "AND"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else BoolOp("AND", parts)

    def not_expr(self):
        if self.accept("keyword", "NOT"):
            return Not(self.not_expr())
        return self.predicate()

    def predicate(self):
        if self.at("punct", "("):
            # A parenthesised condition; operands in parentheses are not needed by this subset.
            self.advance()
            if self.at("keyword", "SELECT"):
                raise query_error("Subqueries are not supported by the mock's SuiteQL.")
            expr = self.or_expr()
            self.expect("punct", ")", "')'")
            return expr
        left = self.operand()
        if self.at("op"):
            op = self.advance().value
            return Compare("<>" if op == "!=" else op, left, self.operand())
        negate = self.accept("keyword", "NOT")
        if self.accept("keyword", "LIKE"):
            pattern = self.operand()
            if self.at("keyword", "ESCAPE"):
                raise query_error("LIKE ... ESCAPE is not supported by the mock's SuiteQL.")
            return Like(left, pattern, negate)
        if self.accept("keyword", "IN"):
            self.expect("punct", "(", "'('")
            if self.at("keyword", "SELECT"):
                raise query_error("Subqueries are not supported by the mock's SuiteQL.")
            items = [self.operand()]
            while self.accept("punct", ","):
                items.append(self.operand())
            self.expect("punct", ")", "')'")
            return InList(left, items, negate)
        if self.accept("keyword", "BETWEEN"):
            low = self.operand()
            self.expect("keyword", "AND")
            return Between(left, low, self.operand(), negate)
        if not negate and self.accept("keyword", "IS"):
            is_not = self.accept("keyword", "NOT")
            self.expect("keyword", "NULL")
            return IsNull(left, is_not)
        self.fail("a comparison operator, LIKE, IN, BETWEEN or IS [NOT] NULL")

    def operand(self):
        tok = self.tok
        if tok.kind == "string":
            self.advance()
            return Literal(tok.value)
        if tok.kind == "number":
            self.advance()
            return Literal(float(tok.value) if "." in tok.value else int(tok.value))
        if tok.kind == "keyword" and tok.value == "NULL":
            self.advance()
            return Literal(None)
        if tok.kind == "ident":
            self.advance()
            if self.at("punct", "("):
                fname = tok.value.upper()
                if fname not in FUNCTIONS:
                    raise query_error(f"Function '{fname}' is not supported by the mock's SuiteQL "
                                      "(only UPPER, LOWER, TO_DATE and TO_CHAR).")
                self.advance()
                arg = self.operand()
                fmt = None
                if fname in ("TO_DATE", "TO_CHAR") and self.accept("punct", ","):
                    fmt = self.operand()
                    if not isinstance(fmt, Literal) or str(fmt.value).upper() not in DATE_FORMATS:
                        raise query_error(f"{fname}: the mock understands the formats {', '.join(DATE_FORMATS)}.")
                self.expect("punct", ")", "')'")
                return Func(fname, arg, fmt)
            if self.accept("punct", "."):
                name = self.expect("ident", what="a column name").value
                return Column(tok.value, name)
            if tok.value.upper() in UNSUPPORTED:
                self.i -= 1
                self.fail("a column, a literal or UPPER/LOWER")
            return Column(None, tok.value)
        self.fail("a column, a literal or UPPER/LOWER")


# --- tables
def customer_rows(customers: list[dict], custom: dict[str, str]) -> tuple[list[str], list[dict]]:
    columns = SUITEQL_BODY_COLUMNS + list(custom)
    rows = []
    for c in customers:
        row = {"id": int(c["id"]), "entityid": c["entityId"], "companyname": c["companyName"],
               "firstname": c["firstName"], "lastname": c["lastName"], "email": c["email"],
               "phone": c["phone"], "isinactive": _tf(c["isInactive"]), "isperson": _tf(c["isPerson"]),
               "subsidiary": int(c["subsidiary"]) if c["subsidiary"] else None, "comments": c["comments"],
               "externalid": c.get("externalId"), "datecreated": dates.parse_iso(c.get("dateCreated")),
               "lastmodifieddate": dates.parse_iso(c.get("lastModifiedDate"))}
        for name, ftype in custom.items():
            value = c.get(name)
            row[name] = _tf(value) if ftype == "checkbox" else value
        rows.append(row)
    return columns, rows


DEPLOYMENT_COLUMNS = ["id", "scriptid", "script", "title", "status", "isdeployed"]


def deployment_rows(deployments: list[dict]) -> tuple[list[str], list[dict]]:
    # scriptid is the deployment's script id and script names its script (real NetSuite gives the
    # script's internal id there). Unconfirmed: real accounts may return these ids in upper case;
    # the mock returns them as stored, so clients should compare case-insensitively.
    rows = [{"id": i + 1, "scriptid": d["deploymentId"], "script": d["scriptId"], "title": d["title"],
             "status": d["status"], "isdeployed": _tf(d.get("isDeployed", True))}
            for i, d in enumerate(deployments)]
    return DEPLOYMENT_COLUMNS, rows


def _tf(value) -> str:
    return "T" if value else "F"


# --- evaluation
class Evaluator:
    def __init__(self, query: Query, columns: list[str]):
        self.query = query
        self.columns = set(columns)
        self.aliases = {name for _, name in (query.items or []) if name}

    def check(self, expr, allow_alias: bool = False) -> None:
        """Reject unknown columns/qualifiers before any row is read."""
        if isinstance(expr, Column):
            if expr.qualifier is not None and expr.qualifier not in (self.query.table, self.query.alias):
                raise query_error(f"Unknown table or alias '{expr.qualifier}'.")
            if expr.name not in self.columns and not (allow_alias and expr.qualifier is None
                                                      and expr.name in self.aliases):
                raise query_error(f"Field '{expr.name}' for record '{self.query.table}' was not found. "
                                  "Reason: NOT_EXPOSED - Not available for channel SEARCH/SUITEQL")
        for child in _children(expr):
            self.check(child, allow_alias)

    def value(self, expr, row: dict):
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, Column):
            return row.get(expr.name)
        if isinstance(expr, Func):
            arg = self.value(expr.arg, row)
            if arg is None:
                return None
            fmt = DATE_FORMATS[str(expr.fmt.value).upper()] if expr.fmt is not None else None
            if expr.name == "TO_DATE":
                return _to_date(arg, fmt)
            if expr.name == "TO_CHAR":
                if isinstance(arg, datetime):
                    return arg.strftime(fmt) if fmt else dates.user_date(arg)
                return render_value(arg)
            return str(arg).upper() if expr.name == "UPPER" else str(arg).lower()
        return self.truth(expr, row)

    def truth(self, expr, row: dict):
        """Three-valued logic: True, False or None (unknown)."""
        if isinstance(expr, BoolOp):
            results = [self.truth(p, row) for p in expr.parts]
            if expr.op == "AND":
                return False if False in results else (None if None in results else True)
            return True if True in results else (None if None in results else False)
        if isinstance(expr, Not):
            inner = self.truth(expr.expr, row)
            return None if inner is None else not inner
        if isinstance(expr, Compare):
            return _compare(expr.op, self.value(expr.left, row), self.value(expr.right, row))
        if isinstance(expr, IsNull):
            is_null = self.value(expr.expr, row) in (None, "")
            return not is_null if expr.negate else is_null
        if isinstance(expr, Like):
            val, pattern = self.value(expr.expr, row), self.value(expr.pattern, row)
            if val is None or pattern is None:
                return None
            hit = _like_regex(str(pattern)).fullmatch(str(val)) is not None
            return not hit if expr.negate else hit
        if isinstance(expr, InList):
            val = self.value(expr.expr, row)
            results = [_compare("=", val, self.value(i, row)) for i in expr.items]
            hit = True if True in results else (None if None in results else False)
            return (None if hit is None else not hit) if expr.negate else hit
        if isinstance(expr, Between):
            val = self.value(expr.expr, row)
            lo, hi = _compare(">=", val, self.value(expr.low, row)), _compare("<=", val, self.value(expr.high, row))
            hit = None if None in (lo, hi) else (lo and hi)
            return (None if hit is None else not hit) if expr.negate else hit
        raise query_error("A value was used where a condition is needed.")


def _children(expr) -> list:
    if isinstance(expr, Func):
        return [expr.arg]
    if isinstance(expr, Compare):
        return [expr.left, expr.right]
    if isinstance(expr, (Like,)):
        return [expr.expr, expr.pattern]
    if isinstance(expr, IsNull):
        return [expr.expr]
    if isinstance(expr, InList):
        return [expr.expr, *expr.items]
    if isinstance(expr, Between):
        return [expr.expr, expr.low, expr.high]
    if isinstance(expr, BoolOp):
        return list(expr.parts)
    if isinstance(expr, Not):
        return [expr.expr]
    return []


def _like_regex(pattern: str) -> re.Pattern:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _to_date(value, fmt: str | None) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        if fmt:
            return datetime.strptime(str(value), fmt).replace(tzinfo=timezone.utc)
    except ValueError:
        raise query_error(f"TO_DATE: '{value}' does not match its format.") from None
    parsed = dates.parse_user(str(value))
    if parsed is None:
        raise query_error(f"TO_DATE: '{value}' is not a date in the user's format (M/D/YYYY).")
    return parsed[0]


def _coerce(a, b):
    """Compare numbers with numeric strings as numbers, and dates with date strings in the user's
    format (Oracle's implicit conversions)."""
    if isinstance(a, datetime) and isinstance(b, str):
        parsed = dates.parse_user(b)
        if parsed is None:
            raise query_error(f"'{b}' is not a date in the user's format (M/D/YYYY).")
        return a, parsed[0]
    if isinstance(b, datetime) and isinstance(a, str):
        pair = _coerce(b, a)
        return pair[1], pair[0]
    if isinstance(a, (int, float)) and isinstance(b, str):
        try:
            return a, float(b)
        except ValueError:
            return None
    if isinstance(b, (int, float)) and isinstance(a, str):
        pair = _coerce(b, a)
        return None if pair is None else (pair[1], pair[0])
    return a, b


def _compare(op: str, a, b):
    if a is None or b is None or a == "" or b == "":
        return None  # Oracle treats '' as NULL
    pair = _coerce(a, b)
    if pair is None:
        return None
    a, b = pair
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _sort_key(value):
    # Oracle: NULLs sort last ascending and first descending; both are "largest".
    if value is None:
        return (1, 0, "")
    if isinstance(value, (int, float)):
        return (0, 0, value)
    if isinstance(value, datetime):
        return (0, 0, value.timestamp())
    return (0, 1, value)


def run(text: str, tables: dict) -> tuple[list[str], list[dict]]:
    """Parse and run a query against {table: (columns, rows)}; returns (output names, result rows)."""
    if not isinstance(text, str) or not text.strip():
        raise query_error("The query is empty.")
    query = Parser(text).parse()
    if query.table not in tables:
        raise query_error(f"Record '{query.table}' was not found.")
    columns, rows = tables[query.table]
    ev = Evaluator(query, columns)
    if query.items is None:
        outputs = [(Column(None, c), c) for c in columns]
    else:
        outputs, n = [], 0
        for expr, name in query.items:
            ev.check(expr)
            if name is None:
                if isinstance(expr, Column):
                    name = expr.name
                else:
                    n += 1
                    name = f"expr{n}"
            outputs.append((expr, name))
    if query.where is not None:
        ev.check(query.where)
    for expr, _ in query.order:
        ev.check(expr, allow_alias=True)

    selected = [r for r in rows if query.where is None or ev.truth(query.where, r) is True]
    out_rows = []
    for r in selected:
        values = {name: ev.value(expr, r) for expr, name in outputs}
        sort_values = []
        for expr, _desc in query.order:
            if isinstance(expr, Column) and expr.qualifier is None and expr.name in ev.aliases \
                    and expr.name not in ev.columns:
                sort_values.append(values[expr.name])
            else:
                sort_values.append(ev.value(expr, r))
        out_rows.append((values, sort_values))
    if query.distinct:
        seen, unique = set(), []
        for values, sv in out_rows:
            key = tuple(values.items())
            if key not in seen:
                seen.add(key)
                unique.append((values, sv))
        out_rows = unique
    # Without ORDER BY the mock keeps internal-id order; real NetSuite promises no order.
    for index in range(len(query.order) - 1, -1, -1):
        out_rows.sort(key=lambda pair: _sort_key(pair[1][index]), reverse=query.order[index][1])
    return [name for _, name in outputs], [values for values, _ in out_rows]


def render_value(value) -> str:
    """As SuiteQL returns values: strings; a date column in the user's date format (M/D/YYYY)."""
    if isinstance(value, datetime):
        return dates.user_date(value)
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
