"""The doctor's NetSuite sign-in checks: which auth is in use, whether NetSuite issues a token (M2M), how long
the certificate has left, and the notice that NetSuite closes TBA to new integrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sync_core.admin.checks import Check
from sync_core.config import NetSuiteConfig
from sync_core.errors import SyncError
from sync_core.netsuite.auth import M2MAuth
from sync_core.netsuite.client import NetSuiteClient
from sync_core.netsuite.m2m_keys import others_can_read, read_certificate

CERTIFICATE_WARN_DAYS = 30
SIGN_IN, SIGN_IN_TITLE = "netsuite-auth", "NetSuite sign-in"
CERTIFICATE, CERTIFICATE_TITLE = "netsuite-certificate", "NetSuite M2M certificate"
TBA_CLOSING = ("NetSuite accepts no new TBA integration for REST web services and RESTlets from 2027.1 (existing "
               "ones keep working; support is to end, tentatively, in 2028.2)")
MOVE_TO_M2M = ("Move to OAuth 2.0 client credentials before a new integration record is needed: custsync setup "
               'netsuite-m2m (a key pair and the NetSuite steps), then [netsuite] auth = "m2m" with its client_id, '
               "certificate_id and private_key_file; see docs/real-account.md.")


async def sign_in(ns: NetSuiteConfig, client: NetSuiteClient) -> Check:
    auth = client.auth
    if not isinstance(auth, M2MAuth):
        why = "auth = \"tba\"" if ns.auth else "only TBA secrets are given"
        return Check(SIGN_IN, SIGN_IN_TITLE, True, f"token-based authentication (TBA, {why}); {TBA_CLOSING}",
                     MOVE_TO_M2M, warning=True)
    try:
        await client.sign_in()
    except SyncError as exc:
        return Check(SIGN_IN, SIGN_IN_TITLE, False, f"OAuth 2.0 client credentials (M2M): {exc.message}", exc.remedy)
    detail = (f"OAuth 2.0 client credentials (M2M): NetSuite account {ns.account} issued a bearer token to client "
              f"{auth.client_id[:8]}… for certificate {auth.certificate_id} ({auth.algorithm}, scopes "
              f"{', '.join(auth.scopes)})")
    if auth.skew is not None:
        detail += f"; this clock is within {abs(auth.skew):.0f} s of NetSuite's"
    if ns.private_key_file and others_can_read(ns.private_key_file):
        return Check(SIGN_IN, SIGN_IN_TITLE, True, detail + f"; but {ns.private_key_file} is readable by others",
                     f"Make the private key readable by its owner only: chmod 600 {ns.private_key_file}",
                     warning=True)
    return Check(SIGN_IN, SIGN_IN_TITLE, True, detail)


def certificate_expiry(ns: NetSuiteConfig, now: datetime | None = None) -> Check:
    """M2M: the certificate's days left (NetSuite certificates last at most two years), from [netsuite]
    certificate_file."""
    renew = ("Make a new key pair (custsync setup netsuite-m2m), map its certificate in NetSuite (Setup > Integration > "
             "Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > Create New: up to five certificates "
             "may be active at once), then set the new certificate_id, private_key_file and certificate_file.")
    if ns.certificate_file is None:
        return Check(CERTIFICATE, CERTIFICATE_TITLE, True, "expiry not checked: [netsuite] certificate_file names no "
                     "certificate", "Set [netsuite] certificate_file to the certificate uploaded to NetSuite, so that "
                     f"custsync warns {CERTIFICATE_WARN_DAYS} days before it expires.", warning=True)
    cert = read_certificate(ns.certificate_file)
    left = (cert.not_after - (now or datetime.now(UTC))).total_seconds() / 86400
    when = f"{cert.not_after:%Y-%m-%d}"
    if left <= 0:
        return Check(CERTIFICATE, CERTIFICATE_TITLE, False, f"certificate {ns.certificate_id} expired on {when}: NetSuite "
                     "refuses its tokens", renew)
    if left <= CERTIFICATE_WARN_DAYS:
        return Check(CERTIFICATE, CERTIFICATE_TITLE, True, f"certificate {ns.certificate_id} expires on {when}, in "
                     f"{int(left)} day(s)", renew, warning=True)
    return Check(CERTIFICATE, CERTIFICATE_TITLE, True, f"certificate {ns.certificate_id} valid until {when} "
                 f"({int(left)} days)")
