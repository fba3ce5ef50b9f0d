"""Which customers a mass sync takes, and why: the plan's sources.

A run takes the customers the saved search chooses (a changed-since run: those modified since), and every
customer earlier runs against the same target still owe a sync (`journal.owed`: failed, left unfinished by an
interrupted or stopped run, decided by a person since), read by id. When NetSuite signs portal links with
another key than the one the stored links were written with (the secret was rotated), a changed-since run
takes every customer of the search too, to rewrite their links. An owed customer the search no longer chooses
is journaled `left`. Each customer counts once, under the first of: owed (its cause), changed, stale links,
search.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sync_core.run.journal import OwedStep

CHANGED, SEARCH, STALE_LINKS = "changed", "search", "stale links"


@dataclass
class Scope:
    """What a run took: customers by source, the owed ones the search no longer chooses, the signing key."""

    owed: dict[str, OwedStep]
    sources: Counter[str] = field(default_factory=Counter)
    left: list[str] = field(default_factory=list)
    signing_key_id: str | None = None  # the key NetSuite signs portal links with now (None: it did not say)
    links_stale: bool = False  # the stored links were written with another key: every customer is taken
    whole_search: bool = False  # every customer of the search was read (their links compared, rewritten)
    read: set[str] = field(default_factory=set)
    seen: dict[str, Any] = field(default_factory=dict)

    def take(self, internal_id: str, source: str) -> bool:
        """Count a customer read under its source; False if the run has it already."""
        if internal_id in self.read:
            return False
        self.read.add(internal_id)
        owed = self.owed.get(internal_id)
        self.sources[owed.source if owed is not None else source] += 1
        return True

    def learnt_key(self, recorded: str | None, *, portal: bool) -> None:
        """NetSuite's current key as the first page said it; the stored links are stale when it is another than
        the one a run recorded (none recorded yet: the first run over the whole search records it)."""
        self.signing_key_id = self.seen.get("signingKeyId")
        self.links_stale = bool(portal and recorded and self.signing_key_id and self.signing_key_id != recorded)

    def missing_owed(self) -> list[str]:
        return [i for i in self.owed if i not in self.read]

    def summary(self) -> dict[str, Any]:
        return {"sources": dict(self.sources), "left_search": len(self.left), "links_stale": self.links_stale}


# Rows handed to `add` between two turns of the event loop: a page of 1,000 mapped in one go held it for 60 to
# 130 ms, during which Stripe's listing (read beside the pages) sent nothing and lost its turns at the limit.
ROWS_AT_A_TIME = 100


async def take_pages(scope: Scope, pages: AsyncIterator[list[tuple[str, dict[str, Any]]]], source: str,
                     add: Callable[[str, dict[str, Any]], None], skip: Collection[str]) -> None:
    """Every row of `pages` the run does not have yet, counted under `source` and handed to `add`."""
    async for page in pages:
        for k, (internal_id, record) in enumerate(page):
            if internal_id not in skip and scope.take(internal_id, source):
                add(internal_id, record)
            if k % ROWS_AT_A_TIME == ROWS_AT_A_TIME - 1:
                await asyncio.sleep(0)


def describe_sources(summary: dict[str, Any]) -> str | None:
    """The plan's line saying where its customers come from (None when it took only the search's)."""
    sources = summary.get("sources") or {}
    if set(sources) <= {SEARCH} and not summary.get("left_search") and not summary.get("links_stale"):
        return None
    names = {CHANGED: "changed since", "failed": "failed in earlier runs", "unfinished": "left unfinished by "
             "earlier runs", "decided": "decided by a person since", STALE_LINKS: "to rewrite stale portal links",
             SEARCH: "chosen by the search"}
    parts = [f"{n} {names.get(k, k)}" for k, n in sources.items() if n]
    line = "taken: " + (", ".join(parts) or "none")
    if summary.get("links_stale"):
        line += " (the portal links' signing key changed: every customer's link is rewritten)"
    if summary.get("left_search"):
        line += f"; {summary['left_search']} owed no longer chosen by the search (journaled as left)"
    return line
