"""Anonymization keeps every relation the rules look at and leaks no original value (hypothesis, derandomized).

Every original below contains "qx", which no fake (Faker's English names, words and domains) does: so "no
original value is left" is checked over the whole written file, to the letter."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_core.rules.decide import email_problem, mailbox, normalize_email
from sync_core.rules.match_key import MatchKey
from testbed.anonymize import Anonymizer
from testbed.capture import scenario_text

FIELD = "custentity_account_no"
token = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=6).map(lambda t: f"qx{t}")


def _cased(text: str, pattern: list[bool]) -> str:
    return "".join(ch.upper() if up else ch for ch, up in zip(text, itertools.cycle(pattern or [False])))


@st.composite
def spellings(draw, pool):
    """A value of `pool` in some letter case, maybe with spaces around (custsync trims them)."""
    base = draw(st.sampled_from(pool))
    style = draw(st.sampled_from(["lower", "upper", "title", "mixed"]))
    text = {"lower": base, "upper": base.upper(), "title": base[:1].upper() + base[1:],
            "mixed": _cased(base, draw(st.lists(st.booleans(), min_size=1, max_size=5)))}[style]
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", "  "]))


@st.composite
def addresses(draw):
    """Valid emails over a few domains, and the invalid shapes R3 refuses (space inside, no @, two @)."""
    domains = draw(st.lists(token.map(lambda t: f"{t}.com"), min_size=1, max_size=3, unique=True))
    locals_ = draw(st.lists(token, min_size=1, max_size=4, unique=True))
    valid = [f"{lo}@{do}" for lo in locals_ for do in domains]
    invalid = [f"{locals_[0]} x@{domains[0]}", locals_[0], f"{locals_[0]}@{locals_[-1]}@{domains[0]}"]
    return valid + draw(st.lists(st.sampled_from(invalid), max_size=2, unique=True))


@st.composite
def documents(draw):
    emails = draw(addresses())
    codes = draw(st.lists(token.map(str.upper), min_size=1, max_size=3, unique=True))
    companies = draw(st.lists(token.map(lambda t: f"{t.title()} Ltd"), min_size=1, max_size=3, unique=True))
    email, code = spellings(emails), spellings(codes)
    ns = []
    for i in range(draw(st.integers(1, 5))):
        c = {"id": str(101 + i), "companyname": draw(st.sampled_from(companies)), "email": draw(email),
             "phone": draw(st.sampled_from(["+1 qx0101", "+1 qx0102"]))}
        if draw(st.booleans()):
            c["custom"] = {FIELD: draw(code)}
        ns.append(c)
    stripe = []
    for i in range(draw(st.integers(0, 5))):
        c = {"id": f"cus_{i}", "email": draw(email), "name": draw(st.sampled_from(companies)),
             "metadata": {"netsuite_internal_id": draw(st.sampled_from([c["id"] for c in ns]))}}
        if draw(st.booleans()):
            c["metadata"][FIELD] = draw(code)
        stripe.append(c)
    return {"netsuite": {"customers": ns}, "stripe": {"customers": stripe, "portal_configuration": "active"}}


def _pairs(before, after, pick):
    """(original, fake) of every value `pick` takes from a customer, NetSuite's then Stripe's, position by position."""
    out = []
    for system in ("netsuite", "stripe"):
        for b, a in zip(before[system]["customers"], after[system]["customers"]):
            if pick(b) is not None:
                out.append((pick(b), pick(a)))
    return out


def _same(pairs, relation):
    """`relation` holds between two originals exactly when it holds between their fakes."""
    for (a, fa), (b, fb) in itertools.product(pairs, repeat=2):
        assert relation(a, b) == relation(fa, fb), (a, b, fa, fb)


def _domain(email: str) -> str | None:
    e = normalize_email(email) or ""
    return e.rpartition("@")[2].lower() if email_problem(e) is None else None


@settings(max_examples=150, deadline=None, derandomize=True)
@given(doc=documents())
def test_anonymization_keeps_what_the_rules_compare_and_leaks_nothing(doc):
    out = Anonymizer().given(doc)
    emails = _pairs(doc, out, lambda c: c.get("email"))
    _same(emails, lambda a, b: a == b)  # Stripe's list filter: exact
    _same(emails, lambda a, b: normalize_email(a) == normalize_email(b))  # trimmed
    _same(emails, lambda a, b: mailbox(a) == mailbox(b))  # R3's mailbox: any letter case
    _same(emails, lambda a, b: _domain(a) == _domain(b))  # domains kept apart, one domain one fake
    for original, fake in emails:
        assert (email_problem(normalize_email(original) or "") is None) == (email_problem(normalize_email(fake) or "") is None)
        assert (normalize_email(original) == mailbox(original)) == (normalize_email(fake) == mailbox(fake))  # lowercase stays

    key = MatchKey(FIELD)
    codes = _pairs(doc, out, lambda c: (c.get("custom") or c.get("metadata") or {}).get(FIELD))
    _same(codes, lambda a, b: key.of_value(a) == key.of_value(b))  # a lookup-field value: exact, trimmed

    names = _pairs(doc, out, lambda c: c.get("companyname") or c.get("name"))
    _same(names, lambda a, b: a == b)  # a Stripe name equal to a NetSuite company stays equal (nothing to push)
    tags = _pairs(doc, out, lambda c: (c.get("metadata") or {}).get("netsuite_internal_id"))
    assert all(a == b for a, b in tags)  # custsync's own tag and every id kept
    assert [c["id"] for c in out["netsuite"]["customers"]] == [c["id"] for c in doc["netsuite"]["customers"]]

    written = scenario_text({"given": out})
    assert "qx" not in written.lower(), written
