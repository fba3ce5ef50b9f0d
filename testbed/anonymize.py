"""Replace names, emails, phones and addresses in captured `given` data with fakes.

Consistent within one file: the same input always gets the same fake (an email
in NetSuite and in Stripe stay equal; two emails of one domain stay on one fake
domain; a Stripe name made of a NetSuite first and last name gets their fakes),
so the scenario still behaves as the original.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from faker import Faker

from sync_core.masking import mask_url

# metadata keys (after the netsuite_ prefix) that hold personal data, by the kind of fake they get
METADATA_KINDS = {"email": "email", "phone": "phone", "companyname": "company", "firstname": "word",
                  "lastname": "word", "altemail": "email", "mobilephone": "phone", "altphone": "phone"}


class Anonymizer:
    def __init__(self, seed: int = 0) -> None:
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self._maps: dict[str, dict[str, str]] = {}
        self._used: set[str] = set()

    def _one(self, kind: str, value: str, make: Callable[[], str]) -> str:
        table = self._maps.setdefault(kind, {})
        if value not in table:
            fake = make()
            while fake in self._used or fake == value:
                fake = make()
            self._used.add(fake)
            table[value] = fake
        return table[value]

    def email(self, value: str) -> str:
        # By the lowercase form, then the original's letter case is laid back on: case variants stay variants.
        local, _, domain = value.lower().partition("@")
        fake_domain = self._one("domain", domain, lambda: f"{self.fake.domain_word()}.test") if domain else ""
        fake_local = self._one(f"local@{fake_domain}", local, self.fake.user_name)
        fake = f"{fake_local}@{fake_domain}" if domain else fake_local
        return "".join(f.upper() if i < len(value) and value[i].isupper() else f for i, f in enumerate(fake))

    def phone(self, value: str) -> str:
        return self._one("phone", value, lambda: self.fake.numerify("+1 555 ### ####"))

    def company(self, value: str) -> str:
        return self._one("name", value, self.fake.company)

    def word(self, value: str) -> str:
        return self._one("word", value, self.fake.last_name)

    def person(self, value: str) -> str:
        """A Stripe name: a known company, else word by word (first + last name), else a new fake name."""
        if value in self._maps.get("name", {}):
            return self._maps["name"][value]
        words = value.split()
        if words and all(w in self._maps.get("word", {}) for w in words):
            return " ".join(self._maps["word"][w] for w in words)
        return self._one("name", value, self.fake.name)

    def street(self, value: str) -> str:
        return self._one("street", value, self.fake.street_address)

    def city(self, value: str) -> str:
        return self._one("city", value, self.fake.city)

    def postcode(self, value: str) -> str:
        return self._one("postcode", value, self.fake.postcode)

    def _metadata(self, metadata: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in metadata.items():
            kind = next((k for suffix, k in METADATA_KINDS.items() if key.endswith("_" + suffix)), None)
            out[key] = getattr(self, kind)(str(value)) if kind and value else value
        return out

    def given(self, given: dict[str, Any]) -> dict[str, Any]:
        """A copy of captured `given` data with the personal data replaced."""
        out = copy.deepcopy(given)
        for c in out.get("netsuite", {}).get("customers", []):
            for key, fn in (("companyname", self.company), ("firstname", self.word), ("lastname", self.word),
                            ("email", self.email), ("phone", self.phone)):
                if c.get(key):
                    c[key] = fn(c[key])
            address = c.get("address") or {}
            for key, fn in (("addr1", self.street), ("addr2", self.street), ("city", self.city), ("zip", self.postcode)):
                if address.get(key):
                    address[key] = fn(address[key])
            if c.get("portal_url"):
                c["portal_url"] = mask_url(c["portal_url"])  # a bearer link: never in a shared file
        for c in out.get("stripe", {}).get("customers", []):
            for key, fn in (("email", self.email), ("phone", self.phone), ("name", self.person),
                            ("business_name", self.person), ("individual_name", self.person)):
                if c.get(key):
                    c[key] = fn(c[key])
            address = c.get("address") or {}
            for key, fn in (("line1", self.street), ("line2", self.street), ("city", self.city),
                            ("postal_code", self.postcode)):
                if address.get(key):
                    address[key] = fn(address[key])
            if c.get("metadata"):
                c["metadata"] = self._metadata(c["metadata"])
        return out
