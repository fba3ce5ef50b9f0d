"""The portal Suitelet's deployment parameters in the state document (key `portal_suitelet`).

On a real account these are script parameters and API secrets (deploy/netsuite/README.md); in the mock
the state document holds them, so that a test bed can wire the Suitelet to a Stripe mock.
"""
from __future__ import annotations

import re

DEFAULT_CONFIG = {
    "scriptId": "customscript_custsync_portal",
    "deploymentId": "customdeploy_custsync_portal",
    "stripe_id_field": "custentity_paypack_stripe_customer_id",
    "stripe_base_url": None,
    "stripe_api_key": None,
    "return_url": "https://example.com/account",
    "signing_secret": "mock-portal-signing-secret-0000000000",
    # What the customer's pages show: the company's name and a contact (an email address or a web page).
    "company_name": None,
    "support_contact": None,
}
TEXT_PARAMETER_MAX = 300  # a Free-Form Text script parameter holds up to 300 characters


class ConfigError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def validate_config(raw, path: str = "portal_suitelet") -> dict:
    """The Suitelet's deployment parameters in the state document; raise ConfigError naming the bad key."""
    if raw is None:
        return dict(DEFAULT_CONFIG)
    if not isinstance(raw, dict):
        raise ConfigError(path, "must be an object")
    for key in raw:
        if key not in DEFAULT_CONFIG:
            raise ConfigError(f"{path}.{key}", f"unknown key '{key}'")
    cfg = {**DEFAULT_CONFIG, **raw}
    for key, prefix in (("scriptId", "customscript"), ("deploymentId", "customdeploy"),
                        ("stripe_id_field", "custentity")):
        if not isinstance(cfg[key], str) or not cfg[key].startswith(prefix):
            raise ConfigError(f"{path}.{key}", f"must be a script id starting with {prefix}")
    for key in ("stripe_base_url", "return_url"):
        value = cfg[key]
        if key == "stripe_base_url" and value is None:
            continue
        if not isinstance(value, str) or not re.match(r"^https?://[^\s]+$", value):
            raise ConfigError(f"{path}.{key}", "must be an http(s) URL")
    key = cfg["stripe_api_key"]
    if key is not None and (not isinstance(key, str) or not key.startswith(("sk_", "rk_"))):
        raise ConfigError(f"{path}.stripe_api_key", "must be a Stripe secret key (sk_... or rk_...) or null")
    for key in ("company_name", "support_contact"):
        value = cfg[key]
        if value is not None and (not isinstance(value, str) or len(value) > TEXT_PARAMETER_MAX):
            raise ConfigError(f"{path}.{key}", f"must be text of at most {TEXT_PARAMETER_MAX} characters, or null")
    secret = cfg["signing_secret"]
    if not isinstance(secret, str) or len(secret) < 16:
        raise ConfigError(f"{path}.signing_secret", "must be a string of at least 16 characters")
    return cfg


