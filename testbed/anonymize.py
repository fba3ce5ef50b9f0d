"""Replace names, emails, phones, addresses and free text in captured data with fakes.

Consistent within one file, so the scenario still behaves as the original:
- the same input always gets the same fake (an email in NetSuite and in Stripe stay equal; a Stripe name
  made of a NetSuite company, or of a first and last name, gets their fakes; a custom field's value and the
  Stripe metadata holding it stay equal);
- what the rules compare is kept: two different values never get one fake; an email's letter-case
  spellings stay spellings of one fake mailbox (`Bill@X.test` and `bill@x.test` become two spellings of one
  fake address, the lowercase one lowercase); the emails of one domain share one fake domain, and two
  domains get two; spaces around a value (which custsync trims) stay; an address that is not valid
  (spaces, no @, two @) stays invalid the same way;
- no fake contains an original value, so what was replaced cannot be read back from the file.
Stripe and NetSuite ids, the `netsuite_internal_id` tag, countries and dates are not personal: kept.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from faker import Faker

from sync_core.masking import mask_url

# metadata keys (after the netsuite_ prefix) that hold personal data, by the kind of fake they get
METADATA_KINDS = {"email": "email", "phone": "phone", "companyname": "company", "firstname": "word",
                  "lastname": "word", "altemail": "email", "mobilephone": "phone", "altphone": "phone",
                  "fax": "phone", "comments": "text"}
KEPT_METADATA = ("internal_id",)  # after the prefix: custsync's own tag
SEPARATORS = re.compile(r'(@|\s+|")')  # kept as they are in an email: they decide whether it is valid
EMAIL_LIKE = re.compile(r"[^\s'\"<>(),;:]+@[^\s'\"<>(),;:]+")
MIN_SECRET = 4  # originals shorter than this ("US", "7") are not identifying: kept, never searched for
FIXED_TEXT = (".test", "+1 555 ")  # in every fake of its kind: an original inside these cannot be kept out
# What gets replaced, and by which kind of fake: given() replaces these, personal_values() lists them.
NETSUITE_KINDS = {"companyname": "company", "firstname": "word", "lastname": "word", "email": "email",
                  "phone": "phone", "comments": "text", "entityid": "value"}
STRIPE_KINDS = {"email": "email", "phone": "phone", "name": "person", "business_name": "person",
                "individual_name": "person", "description": "text"}
ADDRESS_KINDS = {"addr1": "street", "addr2": "street", "city": "city", "zip": "postcode",
                 "line1": "street", "line2": "street", "postal_code": "postcode"}


def _keep_spaces(value: str, fake: Callable[[str], str]) -> str:
    """The fake of the trimmed value, with the value's surrounding spaces (custsync trims: equal stays equal)."""
    core = value.strip()
    if not core:
        return value
    start = len(value) - len(value.lstrip())
    return value[:start] + fake(core) + value[start + len(core):]


class Anonymizer:
    def __init__(self, seed: int = 0) -> None:
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self._maps: dict[str, dict[str, str]] = {}
        self._used: set[str] = set()
        self._forbidden: set[str] = set()  # originals (lower case): no fake may contain one
        self._spellings: dict[str, str] = {}  # an email as written -> its fake spelling
        self._variants: dict[str, set[str]] = {}  # a fake mailbox -> its spellings given out

    # --- the fakes ------------------------------------------------------------------

    def _one(self, kind: str, value: str, make: Callable[[], str]) -> str:
        table = self._maps.setdefault(kind, {})
        if value not in table:
            for attempt in range(1000):
                fake = make() if attempt < 900 else f"{make()}{attempt}"
                low = fake.lower()
                if fake not in self._used and fake != value and not any(f in low for f in self._forbidden):
                    break
            else:  # pragma: no cover - a thousand fakes all taken or all containing an original
                raise RuntimeError(f"no fake left for a {kind}")
            self._used.add(fake)
            table[value] = fake
        return table[value]

    def forbid(self, values: Iterable[Any]) -> None:
        """Originals no fake may contain (given() forbids every value it will replace before it starts)."""
        self._forbidden.update(v.strip().lower() for v in values if _identifying(v))

    def email(self, value: str) -> str:
        return _keep_spaces(value, self._email)

    def _email(self, written: str) -> str:
        if written not in self._spellings:
            lowered = written.lower()
            fake = self._mailbox(lowered)
            self._spellings[written] = fake if written == lowered else self._spelling(written, fake)
        return self._spellings[written]

    def _mailbox(self, lowered: str) -> str:
        """The fake of a lowercase address, part by part: the domain by domain, the local part by domain."""
        local, at, domain = lowered.rpartition("@")
        if not at:
            local, domain = lowered, ""
        fake_domain = "".join(p if i % 2 else (self._one("domain", p, self._domain) if p else "")
                              for i, p in enumerate(SEPARATORS.split(domain)))
        parts = SEPARATORS.split(local)
        fake_local = "".join(p if i % 2 else (self._one(f"local@{fake_domain}", p, self._user) if p else "")
                             for i, p in enumerate(parts))
        return f"{fake_local}{at}{fake_domain}"

    def _domain(self) -> str:
        return f"{self.fake.domain_word().lower()}.test"

    def _user(self) -> str:
        return self.fake.user_name().lower()

    def _spelling(self, written: str, fake: str) -> str:
        """A letter-case spelling of `fake` for `written`, another spelling of the same mailbox: like it
        where that tells it apart (capitalized, all capitals), else the next free pattern; never `fake`
        itself (the lowercase spelling's)."""
        taken = self._variants.setdefault(fake, set())
        mirrored = "".join(self._mirror(w, f) for w, f in zip(SEPARATORS.split(written), SEPARATORS.split(fake)))
        letters = [i for i, ch in enumerate(fake) if ch.upper() != ch][:20]

        def pattern(k: int) -> str:  # the letters whose bit is set in k, in capitals
            upper = {i for b, i in enumerate(letters) if k >> b & 1}
            return "".join(ch.upper() if i in upper else ch for i, ch in enumerate(fake))

        mirrors = [mirrored] if len(mirrored) == len(fake) else []
        for candidate in itertools.chain(mirrors, map(pattern, range(1, 2 ** len(letters)))):
            if candidate != fake and candidate not in taken:
                taken.add(candidate)
                return candidate
        raise RuntimeError("no letter-case spelling left")  # pragma: no cover - 2**20 spellings of one address

    @staticmethod
    def _mirror(written: str, fake: str) -> str:
        if written.lower() == written:
            return fake
        if written.upper() == written:
            return fake.upper()
        return fake[:1].upper() + fake[1:] if written[:1].isupper() else fake

    def phone(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("phone", v, lambda: self.fake.numerify("+1 555 ### ####")))

    def company(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("name", v, self.fake.company))

    def word(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("word", v, self.fake.last_name))

    def person(self, value: str) -> str:
        """A Stripe name: a known company, else word by word (first + last name), else a new fake name."""
        return _keep_spaces(value, self._person)

    def _person(self, value: str) -> str:
        names, words = self._maps.setdefault("name", {}), self._maps.get("word", {})
        if value not in names:
            parts = value.split(" ")
            joined = " ".join(words.get(w, "") for w in parts)
            if all(w in words for w in parts) and joined not in self._used:
                names[value] = joined  # "Ada Lovelace" from firstname Ada, lastname Lovelace
                self._used.add(joined)
        return self._one("name", value, self.fake.name)

    def street(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("street", v, self.fake.street_address))

    def city(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("city", v, self.fake.city))

    def postcode(self, value: str) -> str:
        return _keep_spaces(value, lambda v: self._one("postcode", v, self.fake.postcode))

    def text(self, value: str) -> str:
        """Free text (NetSuite comments, the Stripe description they map to)."""
        return _keep_spaces(value, lambda v: self._one("text", v, lambda: self.fake.sentence(nb_words=6)))

    def value(self, value: Any) -> Any:
        """Any other field value (a custom field, the lookup field, entity id, unknown metadata): digits stay
        digits of the same length (an integer field and the text Stripe holds of it stay equal)."""
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return value
        if isinstance(value, int):
            return int(self.value(str(value))) if len(str(value)) >= MIN_SECRET else value
        return _keep_spaces(str(value), self._value)

    def _value(self, core: str) -> str:
        if core.isdigit():
            if len(core) < MIN_SECRET:
                return core
            first = "%" if core[0] != "0" else "#"  # Faker: % is 1-9, # is 0-9
            return self._one("value", core, lambda: self.fake.numerify(first + "#" * (len(core) - 1)))
        return self._one("value", core, lambda: self.fake.bothify("??-#####").upper())

    def kind(self, name: str) -> Callable[[str], Any]:
        return getattr(self, name)

    # --- whole documents --------------------------------------------------------------

    def _metadata(self, metadata: dict[str, Any], prefix: str) -> dict[str, Any]:
        out = {}
        for key, value in metadata.items():
            column = key[len(prefix):] if key.startswith(prefix) else None
            if column in KEPT_METADATA or value in (None, ""):
                out[key] = value
                continue
            kind = METADATA_KINDS.get(column or "", "value")
            out[key] = self.kind(kind)(str(value)) if kind != "value" else self.value(value)
        return out

    def given(self, given: dict[str, Any], *, metadata_prefix: str = "netsuite_") -> dict[str, Any]:
        """A copy of captured `given` data with the personal data replaced."""
        out = copy.deepcopy(given)
        self.forbid(personal_values(given, metadata_prefix))
        for c in out.get("netsuite", {}).get("customers", []):
            for key, kind in NETSUITE_KINDS.items():
                if c.get(key):
                    c[key] = self.kind(kind)(c[key])
            self._address(c.get("address") or {})
            if c.get("custom"):
                c["custom"] = {k: self.value(v) for k, v in c["custom"].items()}
            if c.get("portal_url"):
                c["portal_url"] = mask_url(c["portal_url"])  # a bearer link: never in a shared file
        for c in out.get("stripe", {}).get("customers", []):
            for key, kind in STRIPE_KINDS.items():
                if c.get(key):
                    c[key] = self.kind(kind)(c[key])
            self._address(c.get("address") or {})
            if c.get("metadata"):
                c["metadata"] = self._metadata(c["metadata"], metadata_prefix)
        return out

    def _address(self, address: dict[str, Any]) -> None:
        for key, kind in ADDRESS_KINDS.items():
            if address.get(key):
                address[key] = self.kind(kind)(address[key])

    def redact(self, text: str | None) -> str | None:
        """Free text written by custsync (a journal's error, a note): every value already replaced gets its
        fake, longest first; any other address-like word becomes <email>."""
        if not text:
            return text
        known = {o: f for table in self._maps.values() for o, f in table.items() if len(o) >= MIN_SECRET}
        known.update({o: f for o, f in self._spellings.items() if len(o) >= MIN_SECRET})
        if known:
            pattern = re.compile("|".join(re.escape(o) for o in sorted(known, key=len, reverse=True)))
            text = pattern.sub(lambda m: known[m.group(0)], text)
        fakes = set(self._spellings.values())
        return EMAIL_LIKE.sub(lambda m: m.group(0) if m.group(0) in fakes else "<email>", text)

    def originals(self) -> set[str]:
        """Every value replaced so far (long enough to identify someone): what a written file must not hold."""
        found = {o for table in self._maps.values() for o, f in table.items() if o != f}
        found |= set(self._spellings)
        return {o for o in found if _identifying(o)}

    def leaked(self, texts: Iterable[str]) -> list[str]:
        """The replaced values that one of `texts` still holds (letter case ignored): should be none."""
        haystack = "\n".join(t.lower() for t in texts)
        return sorted(o for o in self.originals() if o.lower() in haystack)


def _identifying(value: Any) -> bool:
    if not isinstance(value, str) or len(value.strip()) < MIN_SECRET:
        return False
    low = value.strip().lower()
    return not any(low in fixed for fixed in FIXED_TEXT)


def personal_values(given: dict[str, Any], metadata_prefix: str = "netsuite_") -> list[Any]:
    """The values Anonymizer.given replaces (the originals no fake may contain)."""
    found: list[Any] = []
    for c in given.get("netsuite", {}).get("customers", []):
        found += [c.get(k) for k in NETSUITE_KINDS] + [str(v) for v in (c.get("custom") or {}).values()]
        found += [(c.get("address") or {}).get(k) for k in ADDRESS_KINDS]
    for c in given.get("stripe", {}).get("customers", []):
        found += [c.get(k) for k in STRIPE_KINDS] + [(c.get("address") or {}).get(k) for k in ADDRESS_KINDS]
        found += [str(v) for k, v in (c.get("metadata") or {}).items() if k != f"{metadata_prefix}internal_id"]
    # Parts too: an email's local part and domain, a name's words.
    parts = [p for v in found if isinstance(v, str) for p in re.split(r"[@\s]+", v)]
    return [v for v in found + parts if isinstance(v, str)]
