"""Configuration: defaults, file, environment, secrets, and errors that name the key."""

import pytest

from sync_core.config import ConfigError, NetSuiteTarget, StripeTarget, load_config


def write(tmp_path, text):
    p = tmp_path / "custsync.toml"
    p.write_text(text)
    return p


def test_no_file_means_bundled_mocks():
    c = load_config(env={})
    assert c.uses_bundled_mocks
    assert c.netsuite.target is NetSuiteTarget.MOCK and c.stripe.target is StripeTarget.MOCK
    assert c.netsuite.stripe_id_field == "custentity_paypack_stripe_customer_id"


def test_file_and_env_override(tmp_path):
    p = write(tmp_path, '[netsuite]\ntarget = "real"\naccount = "1234567_SB1"\nconcurrency = 15\n'
                        '[sync]\nduplicate_email_policy = "oldest"\n')
    c = load_config(p, env={"CUSTSYNC_NETSUITE_CONCURRENCY": "20"})
    assert c.netsuite.concurrency == 20
    assert c.sync.duplicate_email_policy.value == "oldest"
    assert c.netsuite.resolved_rest_url() == "https://1234567-sb1.suitetalk.api.netsuite.com"
    assert c.netsuite.resolved_restlet_url() == "https://1234567-sb1.restlets.api.netsuite.com"


def test_bad_value_names_the_key_and_the_file(tmp_path):
    p = write(tmp_path, "[netsuite]\nconcurrency = 0\n")
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert "[netsuite] concurrency" in str(e.value) and str(p) in str(e.value)


def test_unknown_key_is_an_error_listing_known_keys(tmp_path):
    p = write(tmp_path, "[stripe]\nrequests_per_sec = 5\n")
    with pytest.raises(ConfigError, match=r"\[stripe\] requests_per_sec: unknown key.*requests_per_second"):
        load_config(p, env={})


def test_unknown_section_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(write(tmp_path, "[nestuite]\n"), env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[netsuite\n"), env={})


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="does not exist.*bundled mocks"):
        load_config(tmp_path / "nope.toml", env={})


def test_bad_env_value_and_unknown_env_key():
    with pytest.raises(ConfigError, match="duplicate_email_policy"):
        load_config(env={"CUSTSYNC_SYNC_DUPLICATE_EMAIL_POLICY": "random"})
    with pytest.raises(ConfigError, match="CUSTSYNC_STRIPE_RPS"):
        load_config(env={"CUSTSYNC_STRIPE_RPS": "5"})


def test_secret_in_config_file_is_refused_without_echoing_it(tmp_path):
    p = write(tmp_path, '[stripe]\napi_key = "sk_test_SUPERSECRET123"\n')
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert "CUSTSYNC_STRIPE_API_KEY" in str(e.value)
    assert "SUPERSECRET" not in str(e.value)


def test_secrets_from_env_are_masked_everywhere():
    c = load_config(env={"CUSTSYNC_STRIPE_API_KEY": "sk_test_SUPERSECRET123",
                         "CUSTSYNC_NETSUITE_TOKEN_SECRET": "tok-SUPERSECRET"})
    assert c.stripe.api_key.get_secret_value() == "sk_test_SUPERSECRET123"
    for text in (repr(c), str(c), c.model_dump_json()):
        assert "SUPERSECRET" not in text


def test_secrets_file(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text("# custsync\nCUSTSYNC_STRIPE_API_KEY=sk_live_FILEKEY\n")
    c = load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})
    assert c.stripe.is_live
    f.write_text("garbage line\n")
    with pytest.raises(ConfigError, match="line 1: expected KEY=value"):
        load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})


def test_bad_secret_value_names_variable_not_value():
    with pytest.raises(ConfigError) as e:
        load_config(env={"CUSTSYNC_STRIPE_API_KEY": "pk_test_PUBLISHABLE"})
    assert "CUSTSYNC_STRIPE_API_KEY" in str(e.value) and "PUBLISHABLE" not in str(e.value)


def test_real_targets_require_credentials(tmp_path):
    p = write(tmp_path, '[netsuite]\ntarget = "real"\n[stripe]\ntarget = "real"\n')
    c = load_config(p, env={})
    with pytest.raises(ConfigError) as e:
        c.require_credentials()
    for var in ("CUSTSYNC_NETSUITE_CONSUMER_KEY", "CUSTSYNC_NETSUITE_TOKEN_SECRET", "CUSTSYNC_STRIPE_API_KEY"):
        assert var in str(e.value)
    assert load_config(env={}).require_credentials() is None


def test_stripe_targets_resolve_base_urls(tmp_path):
    assert load_config(write(tmp_path, '[stripe]\ntarget = "stripe-mock"\n'), env={}).stripe.resolved_base_url() == "http://localhost:12111"
    assert load_config(write(tmp_path, '[stripe]\ntarget = "real"\n'), env={}).stripe.resolved_base_url() == "https://api.stripe.com"
