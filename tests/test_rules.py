"""The sync rules R1-R9 as an operator or trainer would check them."""

import pytest

from sync_core.netsuite.portal_links import classify
from sync_core.rules.catalogue import RULES, Action
from sync_core.rules.decide import (
    LINK_CHECKS,
    CustomerFacts,
    DuplicateEmailPolicy,
    LookupKind,
    PortalOutcome,
    StripeCustomerRef,
    decide,
    is_portal_not_activated,
    lookup_needed,
    portal_plan,
    portal_write,
)


def facts(email="ap@acme.test", sid=None, iid="101"):
    return CustomerFacts(internal_id=iid, email=email, stripe_customer_id=sid)


def cus(cid, email="ap@acme.test", created=0, **kw):
    return StripeCustomerRef(id=cid, email=email, created=created, **kw)


def test_catalogue_has_r1_to_r10_with_names_and_explanations():
    assert list(RULES) == [f"R{i}" for i in range(1, 11)]
    for r in RULES.values():
        assert r.name and len(r.explanation) > 40


def test_r1_linked_customer_is_used_and_never_looked_up_by_email():
    f = facts(sid="cus_A")
    assert lookup_needed(f) is LookupKind.BY_ID
    d = decide(f, linked=cus("cus_A"), same_mailbox=(cus("cus_OTHER"),))
    assert (d.rule, d.action, d.stripe_customer_id) == ("R1", Action.UPDATE, "cus_A")
    assert d.trace[0].rule == "R1"


def test_r1_email_change_on_linked_customer_keeps_the_link():
    d = decide(facts(email="new@acme.test", sid="cus_A"), linked=cus("cus_A", email="old@acme.test"))
    assert d.action is Action.UPDATE and d.stripe_customer_id == "cus_A"


def test_r1_nothing_to_push_when_fields_equal():
    d = decide(facts(sid="cus_A"), linked=cus("cus_A"), fields_differ=False)
    assert d.action is Action.USE_LINKED


def test_r1_stored_id_is_trimmed():
    assert lookup_needed(facts(sid="  cus_A ")) is LookupKind.BY_ID
    assert decide(facts(sid=" cus_A "), linked=cus("cus_A")).stripe_customer_id == "cus_A"


@pytest.mark.parametrize("linked, words", [(None, "does not exist"), (cus("cus_A", deleted=True), "deleted")])
def test_r2_stale_link_is_an_error_with_remedy_and_never_relinks(linked, words):
    d = decide(facts(sid="cus_A"), linked=linked, same_mailbox=(cus("cus_B"),))
    assert (d.rule, d.action) == ("R2", Action.ERROR)
    assert words in d.reason
    assert "Clear STRIPE CUSTOMER ID" in d.remedy
    assert d.stripe_customer_id == "cus_A" and not d.linked


def test_r3_one_match_is_linked():
    f = facts()
    assert lookup_needed(f) is LookupKind.BY_EMAIL
    d = decide(f, same_mailbox=(cus("cus_B"),))
    assert (d.rule, d.action, d.stripe_customer_id) == ("R3", Action.LINK_EXISTING, "cus_B")
    assert d.linked and d.push  # links it, and pushes its fields if they differ (the plan row knows whether)


def test_what_a_decision_writes_has_one_home_the_plan_row():
    """Decision.writes_stripe said a link-existing never writes Stripe (and a test pinned it), while the plan row,
    which knows the diff, pushes the fields that differ: only the row answers."""
    from sync_core.rules.decide import Decision

    assert not hasattr(Decision, "writes_stripe") and not hasattr(Decision, "writes_netsuite_link")


def test_r3_no_match_creates():
    d = decide(facts())
    assert (d.rule, d.action, d.stripe_customer_id) == ("R3", Action.CREATE, None)


def test_r3_several_matches_ask_by_default_with_candidates_oldest_first():
    d = decide(facts(), same_mailbox=(cus("cus_new", created=20), cus("cus_old", created=10)))
    assert (d.rule, d.action) == ("R3", Action.ASK)
    assert d.candidates == ("cus_old", "cus_new")
    assert d.remedy and not d.linked


@pytest.mark.parametrize("policy, chosen", [(DuplicateEmailPolicy.OLDEST, "cus_old"), (DuplicateEmailPolicy.NEWEST, "cus_new")])
def test_r3_several_matches_with_policy_pick(policy, chosen):
    d = decide(facts(), same_mailbox=(cus("cus_new", created=20), cus("cus_old", created=10)), policy=policy)
    assert d.action is Action.LINK_EXISTING and d.stripe_customer_id == chosen


def test_r3_deleted_matches_do_not_count():
    d = decide(facts(), same_mailbox=(cus("cus_gone", deleted=True),))
    assert d.action is Action.CREATE


def test_r3_email_with_surrounding_spaces_is_trimmed_and_traced():
    d = decide(facts(email="  ap@acme.test  "), same_mailbox=(cus("cus_B"),))
    assert d.action is Action.LINK_EXISTING
    assert any("trimmed" in s.outcome for s in d.trace)


def test_r3_one_customer_in_other_letter_case_is_the_same_mailbox():
    d = decide(facts(email="AP@Acme.test"), same_mailbox=(cus("cus_B", email="ap@acme.test"),))
    assert (d.action, d.stripe_customer_id) == (Action.LINK_EXISTING, "cus_B")
    assert any("spelled 'ap@acme.test'" in s.outcome for s in d.trace)


def test_r3_several_spellings_are_several_candidates():
    d = decide(facts(email="AP@Acme.test"), same_mailbox=(cus("cus_X", email="AP@Acme.test", created=2),
                                                           cus("cus_B", email="ap@acme.test", created=1)))
    assert d.action is Action.ASK and d.candidates == ("cus_B", "cus_X")


def test_r3_a_customer_of_another_mailbox_is_no_candidate():
    assert decide(facts(), same_mailbox=(cus("cus_B", email="ap@other.test"),)).action is Action.CREATE


def test_r3_interrupted_create_is_recovered_even_beside_other_candidates():
    mine = cus("cus_mine", netsuite_internal_id="101")
    d = decide(facts(), interrupted_create=mine, same_mailbox=(mine, cus("cus_other", created=5)))
    assert (d.action, d.stripe_customer_id, d.recovered) == (Action.LINK_EXISTING, "cus_mine", True)
    assert "interrupted create" in d.trace[-1].outcome


def test_r3_a_tag_from_an_earlier_run_is_one_candidate_among_others():
    d = decide(facts(), same_mailbox=(cus("cus_mine", netsuite_internal_id="101", created=1), cus("cus_other", created=5)))
    assert d.action is Action.ASK and set(d.candidates) == {"cus_mine", "cus_other"}


def test_r3_linking_a_customer_another_netsuite_customer_owns_shares_it_and_pushes_nothing():
    d = decide(facts(), same_mailbox=(cus("cus_B", netsuite_internal_id="102", linked_from=("102",)),))
    assert (d.action, d.shared_with, d.push) == (Action.LINK_EXISTING, ("102",), False)
    assert "already linked to NetSuite customer(s) 102" in d.reason


def test_r3_shared_but_owned_by_nobody_is_said_so_and_this_customer_becomes_its_owner():
    # Another customer's field names it but no tag does (a CSV import): linking pushes and tags it, as R1 would.
    d = decide(facts(), same_mailbox=(cus("cus_B", linked_from=("102",)),))
    assert (d.shared_with, d.push) == (("102",), True)
    # Tagged for a customer that no longer links it: said so, and taken over.
    d = decide(facts(), same_mailbox=(cus("cus_B", netsuite_internal_id="103"),))
    assert (d.shared_with, d.push) == (("103",), True)


def test_r1_shared_customer_owned_by_another_is_used_without_pushing():
    linked = cus("cus_A", netsuite_internal_id="102", linked_from=("102",))
    d = decide(facts(sid="cus_A"), linked=linked, fields_differ=True)
    assert (d.rule, d.action, d.push, d.shared_with) == ("R1", Action.USE_LINKED, False, ("102",))


def test_r1_tag_of_a_customer_that_no_longer_links_it_is_taken_over():
    d = decide(facts(sid="cus_A"), linked=cus("cus_A", netsuite_internal_id="102"), fields_differ=True)
    assert (d.action, d.push) == (Action.UPDATE, True) and "takes it over" in d.trace[-2].outcome


def test_r2_id_of_the_other_mode_has_its_own_remedy():
    d = decide(facts(sid="cus_T"), linked=None, linked_other_mode=True)
    assert (d.rule, d.action) == ("R2", Action.ERROR) and "other Stripe mode" in d.reason
    assert "test-mode id with a live key" in d.remedy


@pytest.mark.parametrize("email", [None, "", "   "])
def test_r4_no_id_and_no_email_skips_with_csv_remedy(email):
    f = facts(email=email)
    assert lookup_needed(f) is LookupKind.NONE
    d = decide(f)
    assert (d.rule, d.action) == ("R4", Action.SKIP)
    assert "CSV" in d.remedy


def test_r1_with_no_email_still_uses_the_stored_id():
    d = decide(facts(email=None, sid="cus_A"), linked=cus("cus_A", email=None))
    assert d.rule == "R1" and d.linked


def test_portal_write_r8_when_deployment_not_released_still_writes():
    p = portal_write(linked=True, current=False, deployment_released=False)
    assert p.rule == "R8" and p.outcome is PortalOutcome.NOT_RELEASED
    assert "written" in p.message and "customdeploy_custsync_portal" in p.remedy
    assert portal_plan(deployment_released=False).rule == "R8"


def test_portal_write_only_when_linked_and_not_current():
    assert portal_write(linked=True, current=False, deployment_released=True).outcome is PortalOutcome.WRITTEN
    assert portal_write(linked=True, current=True, deployment_released=True).outcome is PortalOutcome.CURRENT
    assert portal_write(linked=False, current=False, deployment_released=True).outcome is PortalOutcome.NOT_LINKED


@pytest.mark.parametrize("status,location,body,reason", [
    (302, "https://billing.stripe.com/p/session/test_abc", "", "ok"),
    (302, "https://evil.example.com/login", "", "unexpected-redirect"),
    (200, None, '<meta name="custsync-portal-page" content="portal-not-activated">', "portal-not-activated"),
    (200, None, '<meta name="custsync-portal-page" content="bad-signature">', "bad-signature"),
    (200, None, '<meta name="custsync-portal-page" content="stale-customer">', "stale-customer"),
    (400, None, "<p><b>SSS_INVALID_SCRIPTLET_ID</b></p>", "not-released"),
    (200, None, "<html>some other page</html>", "unexpected"),
    (200, None, '<meta name="custsync-portal-page" content="made-up">', "unexpected"),
])
def test_opening_a_link_is_classified_by_what_the_customer_gets(status, location, body, reason):
    assert classify(status, location, body) == reason


STRIPE_PORTAL_MSG = ("No configuration provided and your test mode default configuration has not been created. "
                     "Provide a configuration or create your default by saving your customer portal settings in "
                     "test mode at https://dashboard.stripe.com/test/settings/billing/portal.")


def test_r7_recognises_stripes_refusal_and_gives_the_seed_text_and_remedy():
    assert is_portal_not_activated(400, STRIPE_PORTAL_MSG)
    assert not is_portal_not_activated(400, "No such customer: 'cus_x'")
    assert not is_portal_not_activated(500, STRIPE_PORTAL_MSG)
    p = LINK_CHECKS["portal-not-activated"]
    assert p.rule == "R7"
    assert "Getting error while generating customer portal Session URL" in p.message
    assert "Settings -> Customer Portal" in p.remedy
    assert LINK_CHECKS["stale-customer"].rule == "R2" and LINK_CHECKS["not-released"].rule == "R8"


def by_account(value, email="ap@acme.test", sid=None):
    return CustomerFacts("101", email, sid, lookup_field="custentity_account_no", lookup_value=value)


def test_with_another_lookup_field_the_email_is_not_a_key_and_r4_names_the_field():
    assert lookup_needed(by_account(None)) is LookupKind.NONE  # an email alone no longer matches
    d = decide(by_account("  "))
    assert (d.rule, d.action) == ("R4", Action.SKIP)
    assert "custentity_account_no" in d.reason and "custentity_account_no" in d.remedy
    assert lookup_needed(by_account(" AC-1 ")) is LookupKind.BY_EMAIL  # "by the lookup field"


def test_with_another_lookup_field_r3_links_creates_asks_and_the_policy_picks():
    one = decide(by_account(" AC-1 "), same_mailbox=(cus("cus_A", email=None),))
    assert (one.action, one.stripe_customer_id) == (Action.LINK_EXISTING, "cus_A")
    assert "custentity_account_no trimmed of surrounding spaces to 'AC-1'" in [s.outcome for s in one.trace]
    assert decide(by_account("AC-1")).action is Action.CREATE
    two = (cus("cus_B", created=2), cus("cus_A", created=1))
    asked = decide(by_account("AC-1"), same_mailbox=two)
    assert (asked.action, asked.candidates) == (Action.ASK, ("cus_A", "cus_B"))
    assert asked.reason == "2 Stripe customers hold custentity_account_no 'AC-1': cus_A, cus_B."
    newest = decide(by_account("AC-1"), same_mailbox=two, policy=DuplicateEmailPolicy.NEWEST)
    assert newest.stripe_customer_id == "cus_B"
