"""The scenario file format (scenarios/*.yaml) as pydantic models.

A scenario sets up both systems (`given`), replays what an admin or the
scheduler does (`steps`), and checks what custsync did (`expect` on a step)
and what both systems hold afterwards (`then`). Loading and error reporting
with file and line: testbed/scenario_load.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag, model_validator

from sync_core.config import NetSuiteConfig, SyncConfig
from sync_core.outcome import Status
from sync_core.rules.catalogue import RULES, Action
from sync_core.rules.decide import PortalOutcome


def _as_text_id(value: Any) -> Any:
    # YAML reads `sync: 101` as an int; NetSuite internal ids are strings of digits.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _none_as_empty(value: Any) -> Any:
    return {} if value is None else value


CustomerId = Annotated[str, BeforeValidator(_as_text_id), StringConstraints(pattern=r"^[1-9][0-9]*$")]
if TYPE_CHECKING:  # built from the catalogue at run time, which a type checker cannot follow
    RuleId = str
else:
    RuleId = Literal[tuple(RULES)]
CustomFieldId = Annotated[str, StringConstraints(pattern=r"^custentity[a-z0-9_]+$")]
StripeId = Annotated[str, StringConstraints(min_length=1)]
CheckId = Literal["netsuite-auth", "netsuite-certificate", "netsuite-credentials", "stripe-credentials",
                  "customer-sync-search", "mass-sync-search", "paypack-fields", "status-fields", "portal-deployment",
                  "portal-configuration", "portal-customer-edits", "portal-link", "netsuite-concurrency"]
# Search roles name the configured saved searches; any other key must be a saved search id.
SearchKey = Annotated[str, StringConstraints(pattern=r"^(customer_sync|mass_customer_sync|customsearch\w+)$")]
FieldValue = str | bool | int | float | None
ANY = "*"  # in `then`/`expect`: any non-empty value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- given ------------------------------------------------------------------


class Address(_Model):
    """The default billing address, with NetSuite's address field names."""

    addr1: str | None = None
    addr2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None


class CustomerFields(_Model):
    """A NetSuite customer's fields under friendly names (the config's field ids are applied on load)."""

    entityid: str | None = None
    companyname: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    isperson: bool | None = None
    email: str | None = None
    phone: str | None = None
    comments: str | None = None
    isinactive: bool | None = None
    address: Address | None = None
    stripe_customer_id: str | None = None
    portal_url: str | None = None
    custom: dict[CustomFieldId, FieldValue] = Field(default_factory=dict)


class NetSuiteCustomer(CustomerFields):
    id: CustomerId


class Column(_Model):
    name: str
    label: str | None = None


class SavedSearch(_Model):
    title: str | None = None
    columns: list[str | Column] | None = None
    criteria: list[Any] | None = None


class NetSuiteGiven(_Model):
    customers: list[NetSuiteCustomer] = Field(default_factory=list)
    saved_searches: dict[SearchKey, SavedSearch] = Field(default_factory=dict)
    portal_deployment: Literal["released", "not-released", "testing", "not-scheduled"] = "released"
    # Fields the search RESTlet's writeBack may write besides the two PayPack fields (its script parameter
    # custscript_custsync_writeback_fields), e.g. [email] for [sync] stripe_edits = write_back (R10).
    restlet_writeback_fields: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] | None = None


class StripeAddress(_Model):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class StripeCustomer(_Model):
    id: StripeId
    email: str | None = None
    name: str | None = None
    business_name: str | None = None
    individual_name: str | None = None
    phone: str | None = None
    description: str | None = None
    address: StripeAddress | None = None
    created: int | None = None
    deleted: bool = False
    # Only in the other mode than custsync's key (a test id while syncing live, or the reverse): Stripe answers
    # "a similar object exists in live mode" (R2).
    other_mode: bool = False
    metadata: dict[str, str | int | float] = Field(default_factory=dict)


class PortalCustomerUpdate(_Model):
    """The portal settings' "Customer information" part: what customers may change in the portal themselves."""

    enabled: bool = True
    allowed_updates: list[Literal["address", "email", "name", "phone", "shipping", "tax_id"]]


class StripeGiven(_Model):
    customers: list[StripeCustomer] = Field(default_factory=list)
    portal_configuration: Literal["active", "inactive", "none"] = "active"
    portal_customer_update: PortalCustomerUpdate | None = None  # saved with the portal settings (active)

    @model_validator(mode="after")
    def _customer_update_needs_a_saved_portal(self) -> StripeGiven:
        if self.portal_customer_update is not None and self.portal_configuration != "active":
            raise ValueError("portal_customer_update is saved with the portal settings, which activates the portal: "
                             "it needs portal_configuration: active")
        return self


# The NetSuite keys a scenario may override: which fields hold the PayPack values, the concurrency limit.
NETSUITE_OVERRIDABLE = ("stripe_id_field", "portal_url_field", "concurrency")


class ConfigOverrides(_Model):
    sync: SyncConfig | None = None
    netsuite: NetSuiteConfig | None = None

    @model_validator(mode="after")
    def _only_safe_netsuite_keys(self) -> ConfigOverrides:
        if self.netsuite is not None:
            bad = sorted(set(self.netsuite.model_fields_set) - set(NETSUITE_OVERRIDABLE))
            if bad:
                raise ValueError(f"netsuite: {', '.join(bad)} cannot be set by a scenario "
                                 f"(allowed: {', '.join(NETSUITE_OVERRIDABLE)})")
        return self


class Faults(_Model):
    latency_ms: float | None = None
    error_rate: float | None = Field(None, ge=0, le=1)
    rate_429: float | None = Field(None, ge=0, le=1)
    drop_rate: float | None = Field(None, ge=0, le=1)
    seed: int | None = None


class NetSuiteFaults(Faults):
    concurrency_limit: int | None = Field(None, ge=1)


class StripeFaults(Faults):
    requests_per_second: float | None = Field(None, gt=0)


class FaultsGiven(_Model):
    netsuite: NetSuiteFaults | None = None
    stripe: StripeFaults | None = None


class Given(_Model):
    netsuite: NetSuiteGiven = Field(default_factory=NetSuiteGiven)
    stripe: StripeGiven = Field(default_factory=StripeGiven)
    config: ConfigOverrides | None = None
    faults: FaultsGiven | None = None


# --- expectations -------------------------------------------------------------


class OutcomeExpect(_Model):
    """What a sync (or a portal-link step) must have done."""

    rule: RuleId | None = None
    action: Action | None = None
    status: Status | None = None
    stripe_customer_id: str | None = None  # "*": any
    candidates: list[str] | None = None
    message_contains: str | None = None  # in the reason, the cause or the error
    remedy_contains: str | None = None
    trace_contains: str | None = None  # in the decision trace, step by step
    shared_with: list[CustomerId] | None = None  # other NetSuite customers linked to the same Stripe customer
    portal: PortalOutcome | None = None
    portal_rule: RuleId | None = None
    portal_message_contains: str | None = None
    portal_remedy_contains: str | None = None


class MassSyncExpect(_Model):
    counts: dict[Status, int] | None = None  # statuses left out must be 0
    customers: list[CustomerId] | None = None  # exactly the customers the saved search chose
    outcomes: dict[Annotated[str, BeforeValidator(_as_text_id)], OutcomeExpect] | None = None
    # How the run learnt what Stripe holds: it listed the account, read the events since the listing an
    # earlier run stored, looked each customer up, or had nothing to look up ("none").
    stripe_index: Literal["listed", "events", "looked-up", "none"] | None = None


class OpenLinkExpect(_Model):
    """What opening the stored portal link gives (a customer's click): the outcome, and for a redirect
    whether it is a session not seen before in this scenario (the link outlives sessions)."""

    portal: PortalOutcome | None = None
    portal_rule: RuleId | None = None
    portal_message_contains: str | None = None
    portal_remedy_contains: str | None = None
    new_session: bool | None = None


class DoctorExpect(_Model):
    failing: list[CheckId] | None = None  # exactly these checks fail
    passing: list[CheckId] | None = None  # at least these pass


class StripeThen(_Model):
    exists: bool | None = None
    deleted: bool | None = None
    email: str | None = None
    name: str | None = None
    business_name: str | None = None
    individual_name: str | None = None
    phone: str | None = None
    description: str | None = None
    address: StripeAddress | None = None
    metadata: dict[str, str | int | float | None] | None = None  # subset; null: key absent


class NetSuiteThen(CustomerFields):
    linked_stripe: StripeThen | None = None  # the Stripe customer STRIPE CUSTOMER ID names


class Counts(_Model):
    stripe_customers: int | None = None  # not deleted
    stripe_customers_with_email: dict[str, int] | None = None
    netsuite_linked: int | None = None  # customers with STRIPE CUSTOMER ID populated


class Then(_Model):
    netsuite: dict[Annotated[str, BeforeValidator(_as_text_id)], NetSuiteThen] = Field(default_factory=dict)
    stripe: dict[str, StripeThen] = Field(default_factory=dict)
    counts: Counts | None = None


# --- steps ---------------------------------------------------------------------


class NoArgs(_Model):
    pass


Empty = Annotated[NoArgs, BeforeValidator(_none_as_empty)]


class _Step(_Model):
    note: str | None = None  # what this step shows, for the trainer
    then: Then | None = None


class SyncStep(_Step):
    sync: CustomerId
    dry_run: bool = False
    expect: OutcomeExpect | None = None


class MassSyncStep(_Step):
    mass_sync: Empty
    dry_run: bool = False
    expect: MassSyncExpect | None = None


class PortalLinkStep(_Step):
    portal_link: CustomerId
    expect: OutcomeExpect | None = None


class OpenPortalLinkStep(_Step):
    """The customer clicks the link in the portal field (a plain GET, the redirect not followed)."""

    open_portal_link: CustomerId
    expect: OpenLinkExpect | None = None


class RotatePortalSecretStep(_Step):
    """The admin gives the Suitelet a new signing secret: every link written before fails until re-synced."""

    rotate_portal_secret: Empty


class TamperPortalLinkStep(_Step):
    """Someone edits the signature in a customer's stored link (one character changed)."""

    tamper_portal_link: CustomerId


class NetSuiteUpdateStep(_Step):
    netsuite_update: NetSuiteCustomer


class StripeUpdate(_Model):
    id: StripeId
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    description: str | None = None
    address: StripeAddress | None = None
    metadata: dict[str, str | int | float] | None = None


class StripeUpdateStep(_Step):
    stripe_update: StripeUpdate


class PortalEdit(_Model):
    """What a customer changes in the customer portal (as the portal configuration allows)."""

    id: StripeId
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    address: StripeAddress | None = None


class StripePortalEditStep(_Step):
    stripe_portal_edit: PortalEdit


class ResolveEdit(_Model):
    """The operator's choice for a field edited in Stripe (R10, `custsync resolve-edit`)."""

    id: CustomerId
    field: Literal["email", "name", "phone", "description", "address"]
    keep: Literal["netsuite", "stripe"]


class ResolveEditStep(_Step):
    resolve_edit: ResolveEdit


class StripeDeleteStep(_Step):
    stripe_delete: StripeId


class ClearStripeIdStep(_Step):
    clear_stripe_id: CustomerId


class ActivatePortalStep(_Step):
    activate_portal: Empty


class DeactivatePortalStep(_Step):
    deactivate_portal: Empty


class ReleaseDeploymentStep(_Step):
    release_deployment: Empty


class CsvImport(_Model):
    """The CSV file inline: our two columns (internal_id, stripe_customer_id) or a Stripe customer export."""

    csv: str
    id_column: str | None = None
    stripe_column: str | None = None


class ImportExpect(_Model):
    counts: dict[Literal["set", "written", "already-set", "conflict", "error"], int] | None = None  # others 0


class ImportCsvStep(_Step):
    import_csv: CsvImport
    dry_run: bool = False
    expect: ImportExpect | None = None


class DoctorStep(_Step):
    doctor: Empty
    expect: DoctorExpect | None = None


STEP_TYPES: dict[str, type[_Step]] = {
    "sync": SyncStep, "mass_sync": MassSyncStep, "portal_link": PortalLinkStep,
    "netsuite_update": NetSuiteUpdateStep, "clear_stripe_id": ClearStripeIdStep,
    "stripe_update": StripeUpdateStep, "stripe_delete": StripeDeleteStep,
    "activate_portal": ActivatePortalStep, "deactivate_portal": DeactivatePortalStep,
    "release_deployment": ReleaseDeploymentStep, "doctor": DoctorStep, "import_csv": ImportCsvStep,
    "open_portal_link": OpenPortalLinkStep, "rotate_portal_secret": RotatePortalSecretStep,
    "tamper_portal_link": TamperPortalLinkStep, "stripe_portal_edit": StripePortalEditStep,
    "resolve_edit": ResolveEditStep,
}
TAG_PREFIX = "step:"  # marks the union tag in error locations (it is not a key of the file)


def step_kind(step: Any) -> str | None:
    if isinstance(step, dict):
        kinds = [k for k in step if k in STEP_TYPES]
        return TAG_PREFIX + kinds[0] if kinds else None
    kind = next((k for k, t in STEP_TYPES.items() if isinstance(step, t)), None)
    return TAG_PREFIX + kind if kind else None


if TYPE_CHECKING:  # the union of STEP_TYPES, built at run time
    Step = SyncStep | MassSyncStep | PortalLinkStep | NetSuiteUpdateStep | ClearStripeIdStep | StripeUpdateStep \
        | StripeDeleteStep | ActivatePortalStep | DeactivatePortalStep | ReleaseDeploymentStep | DoctorStep \
        | ImportCsvStep | OpenPortalLinkStep | RotatePortalSecretStep | TamperPortalLinkStep | StripePortalEditStep \
        | ResolveEditStep
else:
    Step = Annotated[
        Union[tuple(Annotated[t, Tag(TAG_PREFIX + k)] for k, t in STEP_TYPES.items())],  # noqa: UP007
        Discriminator(step_kind, custom_error_type="step_kind",
                      custom_error_message="a step needs exactly one action: " + ", ".join(STEP_TYPES)),
    ]


def kind_of(step: _Step) -> str:
    return (step_kind(step) or "")[len(TAG_PREFIX):]


class JournalRecord(_Model):
    """One line of the run journal about a captured customer: a mass-sync step, or an operator's decision."""

    kind: Literal["step", "decision"]
    at: str  # when, UTC, ISO 8601
    customer: CustomerId
    run: str | None = None
    run_status: str | None = None  # a run still "running" that no process runs was interrupted
    state: str | None = None  # pending, create-attempted, ok, failed, ...
    decision: str | None = None  # link, unlink
    rule: RuleId | None = None
    action: str | None = None
    stripe_customer_id: str | None = None
    previous: str | None = None
    error: str | None = None
    remedy: str | None = None


class Captured(_Model):
    """Where a scenario was captured from (`custsync scenario capture`): support's record, not replayed."""

    at: str
    source: str
    customers: list[CustomerId]
    anonymized: bool
    saved_searches: dict[str, str] = Field(default_factory=dict)  # role -> saved search id
    requests: dict[Literal["netsuite", "stripe"], int] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    journal: list[JournalRecord] = Field(default_factory=list)


class Scenario(_Model):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    title: str
    lesson: str
    rules: list[RuleId] = Field(default_factory=list)
    given: Given = Field(default_factory=Given)
    steps: list[Step] = Field(default_factory=list)
    then: Then | None = None
    captured: Captured | None = None
