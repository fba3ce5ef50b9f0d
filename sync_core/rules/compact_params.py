"""Stripe parameters held flat: the values in one tuple, their keys in a layout every customer of the same
shape shares. Three dicts a customer (the parameters, the address, the metadata) cost about 550 bytes; a
tuple of the same values about 100, which a mass sync of 100,000 customers feels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Layout = tuple[tuple[str, str], ...]  # (group, key): group "" for a top-level parameter, else the dict it sits in

# Layouts are few (a subset of the search's columns each); past this many, new ones are simply not shared.
MAX_SHARED_LAYOUTS = 4096
_layouts: dict[Layout, Layout] = {}


@dataclass(frozen=True, slots=True)
class Compact:
    layout: Layout
    values: tuple[Any, ...]

    @classmethod
    def of(cls, params: dict[str, Any]) -> Compact:
        """Parameters one level of dicts deep (a nested dict's values are never dicts themselves)."""
        keys: list[tuple[str, str]] = []
        values: list[Any] = []
        for key, value in params.items():
            if isinstance(value, dict) and value:
                for inner, v in value.items():
                    keys.append((key, inner))
                    values.append(v)
            else:
                keys.append(("", key))
                values.append(dict(value) if isinstance(value, dict) else value)
        layout = tuple(keys)
        shared = _layouts.get(layout)
        if shared is None:
            shared = layout
            if len(_layouts) < MAX_SHARED_LAYOUTS:
                _layouts[layout] = layout
        return cls(shared, tuple(values))

    def nested(self) -> dict[str, Any]:
        """The parameters as given to `of` (a fresh dict: changing it changes nothing here)."""
        out: dict[str, Any] = {}
        for (group, key), value in zip(self.layout, self.values):
            if group:
                out.setdefault(group, {})[key] = value
            else:
                out[key] = dict(value) if isinstance(value, dict) else value
        return out

    def top_level(self) -> set[str]:
        """The parameters present (a nested dict by its own name)."""
        return {group or key for group, key in self.layout}
