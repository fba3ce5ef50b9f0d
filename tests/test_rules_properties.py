"""Properties of the rules over open-ended inputs (hypothesis): the invariants an operator relies on."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_core.rules.catalogue import RULES, Action
from sync_core.rules.decide import (
    CustomerFacts,
    DuplicateEmailPolicy,
    StripeCustomerRef,
    decide,
    mailbox,
    normalize_email,
)
from tests.support.properties import examples

texts = st.one_of(st.none(), st.text(max_size=40), st.emails(), st.emails().map(lambda e: f"  {e.upper()} "))
ids = st.one_of(st.none(), st.just(""), st.just("  "), st.from_regex(r"cus_[A-Za-z0-9]{4,14}", fullmatch=True))
refs = st.builds(StripeCustomerRef, id=st.from_regex(r"cus_[A-Za-z0-9]{6}", fullmatch=True),
                 email=st.sampled_from(["ap@acme.test", "AP@Acme.test", "other@acme.test", None]),
                 created=st.integers(0, 10**9), deleted=st.booleans())
ref_lists = st.lists(refs, max_size=4, unique_by=lambda r: r.id).map(tuple)


@settings(max_examples=examples(400), deadline=None)
@given(email=texts, sid=ids, linked=st.one_of(st.none(), refs), found=ref_lists, interrupted=st.one_of(st.none(), refs),
       other_mode=st.booleans(), differ=st.booleans(), policy=st.sampled_from(list(DuplicateEmailPolicy)))
def test_decisions_keep_the_invariants(email, sid, linked, found, interrupted, other_mode, differ, policy):
    facts = CustomerFacts("101", email, sid)
    d = decide(facts, linked=linked, linked_other_mode=other_mode, same_mailbox=found, interrupted_create=interrupted,
               fields_differ=differ, policy=policy)
    assert d.rule in RULES and d.trace and d.trace[0].rule == "R1"
    if sid and sid.strip():
        # The stored id always wins (R1) or is reported stale (R2): never an email lookup, never a relink.
        assert d.rule in ("R1", "R2") and d.stripe_customer_id == sid.strip()
        assert d.linked == (linked is not None and not linked.deleted)
        return
    box = mailbox(email)
    same = [c for c in found if not c.deleted and mailbox(c.email) == box] if box else []  # no email: no mailbox
    if d.action is Action.LINK_EXISTING:
        chosen = {c.id: c for c in found + ((interrupted,) if interrupted else ())}[d.stripe_customer_id]
        assert not chosen.deleted
        assert d.recovered or chosen in same  # only a customer of this mailbox, or this customer's own create
    if d.action is Action.CREATE:
        # Created only when no live customer of this mailbox (any spelling) could be linked.
        assert not same and not (interrupted and not interrupted.deleted)
        assert "@" in normalize_email(email) and not any(ch.isspace() for ch in normalize_email(email))
    if len(same) > 1 and not (interrupted and not interrupted.deleted) and policy is DuplicateEmailPolicy.ASK:
        assert d.action in (Action.ASK, Action.ERROR)
    if d.action in (Action.ERROR, Action.SKIP, Action.ASK):
        assert d.remedy


@settings(max_examples=examples(200), deadline=None)
@given(st.one_of(st.none(), st.text(max_size=60)))
def test_normalize_email_is_idempotent_and_trims(raw):
    once = normalize_email(raw)
    assert normalize_email(once) == once
    if once is not None:
        assert once == once.strip() and once
