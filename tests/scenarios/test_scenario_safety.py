"""Scenarios replace both systems' state: they refuse anything that is not one of our mocks."""

from tests.support.cli import custsync


def run(tmp_path, toml, env_extra=None):
    config = tmp_path / "c.toml"
    config.write_text(toml)
    env = {"PATH": "/usr/bin:/bin", "CUSTSYNC_STRIPE_API_KEY": "sk_test_FAKE0000", **(env_extra or {}),
           **{f"CUSTSYNC_NETSUITE_{k}": "fake" for k in ("CONSUMER_KEY", "CONSUMER_SECRET", "TOKEN_ID", "TOKEN_SECRET")}}
    return custsync("--config", str(config), "scenario", "run", "email-change", env=env)


def test_real_targets_are_refused_before_any_request(tmp_path, httpserver):
    url = httpserver.url_for("")
    r = run(tmp_path, f'[netsuite]\ntarget = "real"\nrest_url = "{url}"\n[stripe]\ntarget = "real"\nbase_url = "{url}"\n')
    assert r.returncode == 2 and "run only against the mocks" in r.stderr and "never touched" in r.stderr
    assert httpserver.log == []


def test_real_config_without_urls_runs_on_fresh_bundled_mocks(tmp_path):
    r = run(tmp_path, '[netsuite]\ntarget = "real"\naccount = "1234567_SB1"\n[stripe]\ntarget = "real"\n')
    assert r.returncode == 0 and "1 passed" in r.stdout


def test_a_url_that_is_not_a_mock_is_refused(tmp_path, httpserver):
    httpserver.expect_request("/_mock/health").respond_with_json({"hello": "world"})
    url = httpserver.url_for("")
    r = run(tmp_path, f'[netsuite]\ntarget = "mock"\nrest_url = "{url}"\n[stripe]\ntarget = "mock"\nbase_url = "{url}"\n')
    assert r.returncode == 2 and "does not answer as custsync's netsuite mock" in r.stderr
    assert all(req.path == "/_mock/health" for req, _ in httpserver.log)  # nothing but the health probe
