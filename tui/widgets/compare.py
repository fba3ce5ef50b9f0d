"""Rows for the customer detail: each synced Stripe field, what NetSuite would send beside what Stripe holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

from sync_core.rules.mapping import changed_fields


@dataclass(frozen=True)
class FieldRow:
    field: str  # the Stripe parameter: "email", "address.city", "metadata.netsuite_internal_id"
    netsuite: Any
    stripe: Any
    differs: bool


def compare_rows(params: dict[str, Any], stripe_customer: dict[str, Any] | None) -> list[FieldRow]:
    """`params` are the mapped update parameters; differences are the engine's own `changed_fields`."""
    current = stripe_customer or {}
    differ = {name for name, _, _ in changed_fields(params, current)} if stripe_customer else set()
    rows: list[FieldRow] = []
    for key, value in params.items():
        if isinstance(value, dict):
            nested = current.get(key) or {}
            rows += [FieldRow(f"{key}.{k}", v, nested.get(k), f"{key}.{k}" in differ) for k, v in value.items()]
        else:
            rows.append(FieldRow(key, value, current.get(key), key in differ))
    return rows


def cells(row: FieldRow, linked: bool) -> tuple[Text, Text, Text, Text]:
    style = "bold yellow" if row.differs else ""

    def shown(v: object) -> Text:
        return Text("" if v in (None, "") else str(v), style=style)

    mark = Text("differs", style="bold yellow") if row.differs else Text("same" if linked else "", style="green")
    # same/differs second: 80 columns show it whatever the values' widths
    return Text(row.field, style=style), mark, shown(row.netsuite), shown(row.stripe) if linked else Text("-", "dim")
