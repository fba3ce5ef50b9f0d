"""Properties of the rules over open-ended inputs (hypothesis): the invariants an operator relies on."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sync_core.rules import RULES, Action, CustomerFacts, DuplicateEmailPolicy, StripeCustomerRef, decide, normalize_email

texts = st.one_of(st.none(), st.text(max_size=40), st.emails(), st.emails().map(lambda e: f"  {e.upper()} "))
ids = st.one_of(st.none(), st.just(""), st.just("  "), st.from_regex(r"cus_[A-Za-z0-9]{4,14}", fullmatch=True))
refs = st.builds(StripeCustomerRef, id=st.from_regex(r"cus_[A-Za-z0-9]{6}", fullmatch=True),
                 created=st.integers(0, 10**9), deleted=st.booleans())
ref_lists = st.lists(refs, max_size=4, unique_by=lambda r: r.id).map(tuple)


@settings(max_examples=400, deadline=None)
@given(email=texts, sid=ids, linked=st.one_of(st.none(), refs), exact=ref_lists, variants=ref_lists,
       earlier=ref_lists, differ=st.booleans(), policy=st.sampled_from(list(DuplicateEmailPolicy)))
def test_decisions_keep_the_invariants(email, sid, linked, exact, variants, earlier, differ, policy):
    # One Stripe customer has one state: an id found by two lookups is deleted in both or in neither.
    states: dict[str, bool] = {}
    assume(all(states.setdefault(c.id, c.deleted) == c.deleted for c in exact + variants + earlier))
    facts = CustomerFacts("101", email, sid)
    d = decide(facts, linked=linked, email_matches=exact, case_variant_matches=variants, made_earlier=earlier,
               fields_differ=differ, policy=policy)
    assert d.rule in RULES and d.trace and d.trace[0].rule == "R1"
    if sid and sid.strip():
        # The stored id always wins (R1) or is reported stale (R2): never an email lookup, never a relink.
        assert d.rule in ("R1", "R2") and d.stripe_customer_id == sid.strip()
        assert d.linked == (linked is not None and not linked.deleted)
        return
    if d.action in (Action.LINK_EXISTING,):
        chosen = {c.id: c for c in exact + variants + earlier}[d.stripe_customer_id]
        assert not chosen.deleted
    if d.action is Action.CREATE:
        # Created only when nothing live could be linked and the email can be sent.
        assert not [c for c in exact + variants + earlier if not c.deleted]
        assert "@" in normalize_email(email) and not any(ch.isspace() for ch in normalize_email(email))
    if d.action in (Action.ERROR, Action.SKIP, Action.ASK):
        assert d.remedy


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=60)))
def test_normalize_email_is_idempotent_and_trims(raw):
    once = normalize_email(raw)
    assert normalize_email(once) == once
    if once is not None:
        assert once == once.strip() and once
