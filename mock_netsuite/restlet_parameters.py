"""The search RESTlet deployment's script parameters: the state document's `restlet_parameters` key."""
from __future__ import annotations

import re

WRITEBACK_FIELDS = "custscript_custsync_writeback_fields"
# The two PayPack fields of the default state: the Stripe customer id and the portal link (R5).
DEFAULT_PARAMETERS = {WRITEBACK_FIELDS: "custentity_paypack_stripe_customer_id,custentity_paypack_portal_url"}
FIELD_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ParameterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def validate_parameters(raw) -> dict:
    if raw is None:
        return dict(DEFAULT_PARAMETERS)
    if not isinstance(raw, dict):
        raise ParameterError("restlet_parameters", "must be an object")
    for key in raw:
        if key != WRITEBACK_FIELDS:
            raise ParameterError(f"restlet_parameters.{key}", f"unknown key '{key}'")
    value = raw.get(WRITEBACK_FIELDS, DEFAULT_PARAMETERS[WRITEBACK_FIELDS])
    if not isinstance(value, str) or not all(FIELD_ID.match(f.strip()) for f in value.split(",") if f.strip()):
        raise ParameterError(f"restlet_parameters.{WRITEBACK_FIELDS}",
                             "must be a comma-separated list of lowercase field ids")
    return {WRITEBACK_FIELDS: value}


def writeback_fields(parameters: dict | None) -> set[str]:
    value = (parameters or DEFAULT_PARAMETERS)[WRITEBACK_FIELDS]
    return {f.strip() for f in value.split(",") if f.strip()}
