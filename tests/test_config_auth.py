"""[netsuite] auth: M2M for new configurations, TBA kept for the existing ones; the M2M settings refused in words."""

from __future__ import annotations

import pytest

from sync_core.config import ConfigError, NetSuiteAuth, load_config

TBA_ENV = {"CUSTSYNC_NETSUITE_CONSUMER_KEY": "ck", "CUSTSYNC_NETSUITE_CONSUMER_SECRET": "cs",
           "CUSTSYNC_NETSUITE_TOKEN_ID": "ti", "CUSTSYNC_NETSUITE_TOKEN_SECRET": "ts"}
M2M_ENV = {"CUSTSYNC_NETSUITE_CLIENT_ID": "c" * 64, "CUSTSYNC_NETSUITE_CERTIFICATE_ID": "kid-1",
           "CUSTSYNC_NETSUITE_PRIVATE_KEY_FILE": "/etc/custsync/m2m-key.pem"}


def real(tmp_path, extra: str = "") -> str:
    path = tmp_path / "custsync.toml"
    path.write_text(f'[netsuite]\ntarget = "real"\naccount = "1234567_SB1"\n{extra}')
    return str(path)


def test_a_new_configuration_is_m2m(tmp_path):
    assert load_config(real(tmp_path), env={}).netsuite.auth_method is NetSuiteAuth.M2M
    assert load_config(real(tmp_path), env=M2M_ENV).netsuite.auth_method is NetSuiteAuth.M2M


def test_an_existing_tba_configuration_keeps_tba_without_an_auth_key(tmp_path):
    """A config file written before M2M, its TBA secrets in the environment: it works as it did."""
    config = load_config(real(tmp_path), env=TBA_ENV)
    assert config.netsuite.auth_method is NetSuiteAuth.TBA
    config.require_credentials()  # nothing missing: no M2M setting is asked of it


def test_auth_says_which_when_both_are_given(tmp_path):
    both = {**TBA_ENV, **M2M_ENV}
    assert load_config(real(tmp_path), env=both).netsuite.auth_method is NetSuiteAuth.M2M
    assert load_config(real(tmp_path, 'auth = "tba"\n'), env=both).netsuite.auth_method is NetSuiteAuth.TBA
    assert load_config(real(tmp_path), env={**both, "CUSTSYNC_NETSUITE_AUTH": "tba"}).netsuite.auth_method is NetSuiteAuth.TBA


def test_m2m_settings_may_live_in_the_file_and_in_the_environment(tmp_path):
    path = real(tmp_path, 'auth = "m2m"\nclient_id = "abc"\ncertificate_id = "kid"\nprivate_key_file = "/k.pem"\n'
                          'scopes = ["restlets", "rest_webservices", "suite_analytics"]\n')
    ns = load_config(path, env={"CUSTSYNC_NETSUITE_CERTIFICATE_ID": "kid-from-env"}).netsuite
    assert (ns.client_id, ns.certificate_id, str(ns.private_key_file)) == ("abc", "kid-from-env", "/k.pem")
    assert ns.token_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"


def test_a_new_real_configuration_names_what_m2m_needs(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(real(tmp_path), env={}).require_credentials()
    for name in ("CUSTSYNC_NETSUITE_CLIENT_ID", "CUSTSYNC_NETSUITE_CERTIFICATE_ID", "CUSTSYNC_NETSUITE_PRIVATE_KEY_FILE",
                 "custsync setup netsuite-m2m", 'auth = "tba"'):
        assert name in str(e.value)


@pytest.mark.parametrize("env,words", [
    ({"CUSTSYNC_NETSUITE_CERTIFICATE_ID": "Ab3 dE9"}, "has spaces"),
    ({"CUSTSYNC_NETSUITE_CLIENT_ID": "abc def"}, "has spaces"),
    ({"CUSTSYNC_NETSUITE_ACCOUNT": "1234567-sb1"}, "did you mean 1234567_SB1?"),
    ({"CUSTSYNC_NETSUITE_ACCOUNT": "1234567_sb1"}, "in lowercase"),
    ({"CUSTSYNC_NETSUITE_ACCOUNT": "1234567 SB1"}, "not a NetSuite account id"),
    ({"CUSTSYNC_NETSUITE_REST_URL": "https://1234567.suitetalk.api.netsuite.com"}, "account 1234567's host"),
    ({"CUSTSYNC_NETSUITE_SCOPES": "restlets"}, "needs the scope(s) rest_webservices"),
    ({"CUSTSYNC_NETSUITE_SCOPES": "restlets,rest_webservices,all"}, "unknown scope(s) all"),
    ({"CUSTSYNC_NETSUITE_AUTH": "oauth1"}, "[netsuite] auth"),
], ids=lambda v: str(v)[:40])
def test_bad_m2m_input_is_refused_naming_it(tmp_path, env, words):
    with pytest.raises(ConfigError) as e:
        load_config(real(tmp_path), env=env)
    assert words in str(e.value)
