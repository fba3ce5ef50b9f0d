"""What the customers of one mass sync share, so that it decides as a one-at-a-time run would.

- their turns (`turns.Turns`): customers sharing a mailbox or a stored Stripe id go in the run's order;
- the Stripe customers as this run's own pushes left them (a push may move a customer to another
  mailbox, or tag it for its owner), which search, being eventually consistent, may not show yet;
- in a dry run, the creates, links and pushes planned so far: written nowhere, seen by the
  customers after them, so that the plan is what the run then does (of two customers sharing an
  email, the first creates and the next links).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sync_core.rules.catalogue import Action
from sync_core.rules.decide import CustomerFacts, Decision, StripeCustomerRef, normalize_email
from sync_core.rules.match_key import MatchKey
from sync_core.run.turns import Turns


def stripe_ref(customer: dict[str, Any], prefix: str, linked_from: tuple[str, ...] = ()) -> StripeCustomerRef:
    """The rules' view of one Stripe customer (a dry run's stand-in included)."""
    return StripeCustomerRef(
        id=customer["id"],
        email=customer.get("email"),
        created=int(customer.get("created") or 0),
        deleted=bool(customer.get("deleted")),
        netsuite_internal_id=(customer.get("metadata") or {}).get(f"{prefix}internal_id"),
        linked_from=linked_from,
        planned=bool(customer.get("planned")),
    )


def pushed(current: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The customer as an update with `params` leaves it (Stripe merges metadata; "" unsets)."""
    after = dict(current)
    for key, value in params.items():
        if key == "metadata":
            meta = {**(current.get("metadata") or {}), **value}
            after["metadata"] = {k: v for k, v in meta.items() if v != ""}
        else:
            after[key] = value if value != "" else None
    return after


@dataclass
class RunView:
    dry_run: bool
    prefix: str = "netsuite_"
    key: MatchKey = field(default_factory=MatchKey)  # what R3 matches on: the mailbox, or a lookup field's value
    turns: Turns = field(default_factory=Turns)
    _pushed: dict[str, dict[str, Any]] = field(default_factory=dict)  # Stripe id -> as this run's push left it
    _pushed_by_box: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # match key -> id -> pushed
    # dry run: match key -> a planned create (internal id, email, created), its stand-in made when asked: a plan
    # of 100,000 customers holds a quarter as many creates, and a dict each would cost it 400 bytes a create
    _made: dict[str, tuple[str, str | None, int]] = field(default_factory=dict)
    _links: dict[str, list[str]] = field(default_factory=dict)  # dry run: Stripe id -> customers planned to link it
                                                                # (a stand-in's creator is in its id, not here)

    def current(self, customer: dict[str, Any]) -> dict[str, Any]:
        return self._pushed.get(customer["id"], customer)

    def record_push(self, customer: dict[str, Any]) -> None:
        before = self._pushed.get(customer["id"])
        if before is not None:
            self._pushed_by_box.get(self.key.of_customer(before) or "", {}).pop(customer["id"], None)
        self._pushed[customer["id"]] = customer
        self._pushed_by_box.setdefault(self.key.of_customer(customer) or "", {})[customer["id"]] = customer

    def plan(self, facts: CustomerFacts, decision: Decision, push: dict[str, Any] | None) -> None:
        """Remember what a dry run decided, as the run would have written it (`push`: the customer after
        the planned update, if any)."""
        sid = decision.stripe_customer_id
        if decision.action is Action.CREATE:
            box = self.key.of_value(facts.match_value())
            if box and box not in self._made:
                self._made[box] = (facts.internal_id, normalize_email(facts.email), int(time.time()))
        elif decision.action is Action.LINK_EXISTING and sid:
            self._links.setdefault(sid, []).append(facts.internal_id)
        if push is not None:
            self.record_push(push)

    def same_mailbox(self, customers: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
        """The customers of this match key (mailbox, or lookup-field value) as the run has left them, with a
        dry run's planned create."""
        box = self.key.of_value(value)
        out = {c["id"]: self.current(c) for c in customers}
        for cid, c in self._pushed_by_box.get(box or "", {}).items():
            out.setdefault(cid, c)
        made = self._made.get(box or "") if self.dry_run else None
        if made is not None:
            stand_in = self._stand_in(box, *made)  # type: ignore[arg-type]
            out.setdefault(stand_in["id"], stand_in)
        return [c for c in out.values() if self.key.of_customer(c) == box]

    def still_of(self, customers: list[dict[str, Any]], value: str) -> list[dict[str, Any]]:
        """These customers as the run has left them, those still of this match key: a push earlier in the run
        may have moved one to another mailbox (its owner pushed another email), and the rules see Stripe as it
        is then, as a one-at-a-time run would read it."""
        box = self.key.of_value(value)
        return [c for c in map(self.current, customers) if self.key.of_customer(c) == box]

    def _stand_in(self, box: str, internal_id: str, email: str | None, created: int) -> dict[str, Any]:
        """The Stripe customer a planned create makes, as the customers after it see it."""
        metadata = {f"{self.prefix}internal_id": internal_id}
        if not self.key.by_email:
            metadata[self.key.field] = box  # the create writes the lookup field's value there
        return {"id": stand_in_id(internal_id), "email": email, "created": created, "metadata": metadata,
                "planned": True}

    def planned_links(self, stripe_id: str) -> tuple[str, ...]:
        if not self.dry_run:
            return ()
        creator = stand_in_creator(stripe_id)
        return ((creator,) if creator else ()) + tuple(self._links.get(stripe_id, ()))


STAND_IN = "(new for {})"


def stand_in_id(internal_id: str) -> str:
    """What a plan calls the Stripe customer an earlier row creates ("(new for 101)"), until Stripe names it."""
    return STAND_IN.format(internal_id)


def stand_in_creator(stripe_id: str) -> str | None:
    """The NetSuite customer whose planned create a stand-in id names; None for any other id."""
    head, tail = STAND_IN.split("{}")
    if stripe_id.startswith(head) and stripe_id.endswith(tail):
        return stripe_id[len(head):-len(tail)]
    return None
