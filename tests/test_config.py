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
    with pytest.raises(ConfigError, match=r"does not exist.*bundled mocks"):
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


# --- bad input: encodings, environment values, secrets files (issue 12) ---------------------------------

@pytest.mark.parametrize("encoding, words", [
    ("utf-16", "UTF-16"), ("utf-8-sig", "byte-order mark"), ("latin-1", "Latin-1"),
])
def test_config_file_in_another_encoding_names_file_and_encoding(tmp_path, encoding, words):
    p = tmp_path / "custsync.toml"
    p.write_bytes('[netsuite]\naccount = "1234567_SB1" # Zürich\n'.encode(encoding))
    with pytest.raises(ConfigError) as e:
        load_config(p, env={})
    assert str(p) in str(e.value) and words in str(e.value) and "Save it as UTF-8" in str(e.value)


@pytest.mark.parametrize("encoding, words", [("utf-16", "UTF-16"), ("latin-1", "Latin-1")])
def test_secrets_file_in_another_encoding_names_file_and_encoding(tmp_path, encoding, words):
    f = tmp_path / "secrets.env"
    f.write_bytes("CUSTSYNC_STRIPE_API_KEY=sk_test_é\n".encode(encoding))
    with pytest.raises(ConfigError) as e:
        load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})
    assert str(f) in str(e.value) and words in str(e.value)
    assert "sk_test" not in str(e.value)


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError) as e:
        load_config(env={"CUSTSYNC_NETSUITE_CONCURRENCY": "lots"})
    assert "environment variable CUSTSYNC_NETSUITE_CONCURRENCY" in str(e.value) and "'lots'" in str(e.value)


def test_missing_config_named_by_the_environment_says_so(tmp_path):
    with pytest.raises(ConfigError, match="named by CUSTSYNC_CONFIG"):
        load_config(env={"CUSTSYNC_CONFIG": str(tmp_path / "gone.toml")})


def test_secrets_file_with_export_lines_as_custsync_mocks_prints_them(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text("# from custsync mocks\nexport CUSTSYNC_STRIPE_API_KEY=sk_test_abc123\n"
                 "export CUSTSYNC_NETSUITE_TOKEN_SECRET='tok secret'\n"
                 "export CUSTSYNC_NETSUITE_REST_URL=http://127.0.0.1:5001\n")
    c = load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})
    assert c.stripe.api_key.get_secret_value() == "sk_test_abc123"
    assert c.netsuite.token_secret.get_secret_value() == "tok secret"
    assert c.netsuite.rest_url == "http://127.0.0.1:5001"
    # the real environment still wins over the file
    c = load_config(env={"CUSTSYNC_SECRETS_FILE": str(f), "CUSTSYNC_NETSUITE_REST_URL": "http://127.0.0.1:9"})
    assert c.netsuite.rest_url == "http://127.0.0.1:9"


def test_secrets_file_unknown_key_is_reported_with_its_line(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text("CUSTSYNC_STRIPE_API_KEY=sk_test_abc123\nCUSTSYNC_STRIPE_APIKEY=sk_test_typo\n")
    with pytest.raises(ConfigError) as e:
        load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})
    assert "line 2: unknown key CUSTSYNC_STRIPE_APIKEY" in str(e.value) and "CUSTSYNC_STRIPE_API_KEY" in str(e.value)
    assert "sk_test" not in str(e.value)


def test_bad_setting_in_secrets_file_names_the_file(tmp_path):
    f = tmp_path / "secrets.env"
    f.write_text("export CUSTSYNC_NETSUITE_CONCURRENCY=zero\n")
    with pytest.raises(ConfigError, match=f"secrets file {f}: CUSTSYNC_NETSUITE_CONCURRENCY"):
        load_config(env={"CUSTSYNC_SECRETS_FILE": str(f)})


def test_lookup_field_is_email_or_an_identifier_field(tmp_path):
    assert load_config(env={}).sync.lookup_field == "email"
    path = tmp_path / "c.toml"
    path.write_text('[sync]\nlookup_field = "CustEntity_Account_No"\n')
    assert load_config(path, env={}).sync.match_key().field == "custentity_account_no"  # NetSuite ids: any case
    assert load_config(env={"CUSTSYNC_SYNC_LOOKUP_FIELD": "externalid"}).sync.lookup_field == "externalid"
    for bad, says in (("phone", "cannot be the lookup field: use email"), ("companyname", "custentity"),
                      ("custentity-no", "not a NetSuite field id"), ("custentity_" + "x" * 40, "at most 40"),
                      ("custentity_paypack_stripe_customer_id", "is [netsuite] stripe_id_field")):
        with pytest.raises(ConfigError, match=r"lookup_field") as e:
            load_config(env={"CUSTSYNC_SYNC_LOOKUP_FIELD": bad})
        assert says in str(e.value), str(e.value)
