"""A refused OAuth 2.0 token request, in words, with what to do.

NetSuite's token endpoint answers `{"error": "<value>"}` and no more (Oracle, "Response Errors in Step Two
and in the Refresh Token Response": invalid_request 400, invalid_client 401, invalid_grant 400); why is in
its Login Audit Trail. Which value the client credentials flow gives for which cause is not documented:
custsync reads them as the bundled mock answers them (mock_netsuite/oauth2_tokens.py) and names every
cause a value may stand for, first what it can tell itself: its clock against the Date of NetSuite's
answer, the certificate's expiry when [netsuite] certificate_file names it, whether the account is a
sandbox (whose refresh clears the M2M mappings: Oracle, "OAuth 2.0 Client Credentials Setup").
"""

from __future__ import annotations

from typing import Any

import httpx

from sync_core.errors import CredentialsRefused, NetSuiteError

# Unconfirmed: how far NetSuite lets a client's clock stray for the JWT's iat and exp. Oracle allows TBA
# timestamps five minutes either way ("Error Messages for the TBA Authorization Flow"); custsync assumes
# the same, as the mock does.
CLOCK_SKEW_ALLOWED_S = 300
M2M_SETUP = "Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup"
INTEGRATIONS = "Setup > Integration > Manage Integrations"
AUDIT_TRAIL = "the Login Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail), column Detail"


def refusal(response: httpx.Response, auth: Any, now: float) -> NetSuiteError:
    """The error for a token request NetSuite did not answer with a token. `auth`: the M2MAuth that asked."""
    status = response.status_code
    error = _error_value(response)
    where = f"account {auth.account}"
    if status in (429, 500, 502, 503, 504) or error in ("server_error", "temporarily_unavailable"):
        return NetSuiteError(f"NetSuite's token endpoint answered {status} ({error or response.reason_phrase})",
                             code=error or None, status=status, retryable=True,
                             remedy="NetSuite failed on its side; try again later (custsync already retried).")
    skew = auth.skew
    if skew is not None and abs(skew) > CLOCK_SKEW_ALLOWED_S:
        ahead = "behind" if skew > 0 else "ahead of"
        return CredentialsRefused(
            f"NetSuite refused the token request ({error or status}): this computer's clock is {_duration(abs(skew))} "
            f"{ahead} NetSuite's, and NetSuite takes a signed token only within {CLOCK_SKEW_ALLOWED_S // 60} minutes "
            "of its own time (iat, exp)", code="CLOCK_SKEW", status=status,
            remedy="Set the clock right and keep it so: synchronise it with NTP (timedatectl set-ntp true, or the "
            "system's time settings), then run custsync again.")
    if error == "invalid_client":
        return CredentialsRefused(
            f"NetSuite does not accept client id {_short(auth.client_id)} in {where} (invalid_client): the client id "
            "is unknown there, or its integration record is blocked", code=error, status=status,
            remedy=f"Check [netsuite] client_id against the integration record ({INTEGRATIONS}: the Client ID shown "
            "once when it was saved; Reset Credentials shows a new one) and that its State is Enabled. The record "
            "lives in one account: [netsuite] account must be that account (a sandbox is 1234567_SB1), and a "
            "sandbox refresh does not copy integrations made in the sandbox.")
    if error == "unauthorized_client":
        return CredentialsRefused(
            f"the integration record of client id {_short(auth.client_id)} does not allow the client credentials "
            "flow (unauthorized_client)", code=error, status=status,
            remedy=f"Open the record ({INTEGRATIONS}), check Client Credentials (Machine to Machine) Grant under "
            "OAuth 2.0, and save.")
    if error == "invalid_scope":
        return CredentialsRefused(
            f"NetSuite refused the scopes asked for ({', '.join(auth.scopes)}) (invalid_scope)", code=error,
            status=status, remedy="Set [netsuite] scopes to restlets,rest_webservices (the default) and check "
            f"RESTLETS and REST WEB SERVICES under Scope on the integration record ({INTEGRATIONS}).")
    if error == "invalid_grant":
        return CredentialsRefused(_invalid_grant_message(auth, where, now), code=error, status=status,
                                  remedy=_invalid_grant_remedy(auth))
    if error == "invalid_request":
        return NetSuiteError(
            f"NetSuite's token endpoint at {auth.token_url} refused the request as malformed (invalid_request)",
            code=error, status=status,
            remedy="Check [netsuite] rest_url (or leave it out for a real account: custsync derives NetSuite's REST "
            f"host from [netsuite] account). If it is right, report this to custsync's maintainers with {AUDIT_TRAIL}.")
    return NetSuiteError(f"NetSuite's token endpoint answered {status} {error or response.reason_phrase}",
                         code=error or None, status=status,
                         remedy="Check [netsuite] rest_url: it must be NetSuite's REST host "
                         "(https://<account>.suitetalk.api.netsuite.com).")


def _invalid_grant_message(auth: Any, where: str, now: float) -> str:
    cert = auth.certificate
    if cert is not None and cert.not_after.timestamp() <= now:
        return (f"NetSuite refused the signed token (invalid_grant): certificate {auth.certificate_id} expired on "
                f"{cert.not_after:%Y-%m-%d}")
    return (f"NetSuite refused the token signed with certificate id {auth.certificate_id} in {where} (invalid_grant): "
            "the certificate is not mapped there (never, or no more: a sandbox refresh clears the mappings), was "
            "revoked or has expired, or is not the private key's")


def _invalid_grant_remedy(auth: Any) -> str:
    steps = []
    if "_SB" in auth.account.upper():
        steps.append(f"{auth.account} is a sandbox: a refresh clears its M2M mappings (Oracle: they are not copied and "
                     f"are cleared on refresh). Make the mapping again there ({M2M_SETUP} > Create New: the entity, "
                     "the role, the application, the certificate) and set [netsuite] certificate_id to the new "
                     "Certificate ID.")
    steps.append(f"Open {M2M_SETUP}: the mapping with Certificate ID {auth.certificate_id} must exist for this "
                 "application, not be revoked, and be valid today; otherwise make a new key pair (custsync setup "
                 "netsuite-m2m) and a new mapping.")
    steps.append("[netsuite] private_key_file must be the private key of the certificate uploaded.")
    steps.append(f"NetSuite says which in {AUDIT_TRAIL}.")
    return " ".join(steps)


def _error_value(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    value = body.get("error") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _short(value: str) -> str:
    """Enough of an id to recognise it (client ids are 64 hex digits)."""
    return value if len(value) <= 12 else f"{value[:8]}…{value[-4:]}"


def _duration(seconds: float) -> str:
    """A Date header tells the second, so past ten minutes the seconds are noise: whole minutes then."""
    if seconds >= 600:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"

