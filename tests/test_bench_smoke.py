"""The mass-sync benchmark still runs and reports every figure it promises (tiny sizes: figures, not speed)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_mass_sync_bench(*flags: str) -> dict:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "mass_sync.py"), *flags, "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_run_figures(run: dict, customers: int) -> None:
    assert run["customers"] == customers and run["seconds"] > 0 and run["customers_per_s"] > 0
    assert run["netsuite_requests"] >= 1 and run["stripe_requests"] >= 0
    assert run["requests_per_customer"] == round((run["netsuite_requests"] + run["stripe_requests"]) / customers, 4)
    assert run["client_cpu_ms_per_customer"] > 0 and run["client_peak_rss_mb"] > 0
    assert set(run["mock_cpu_s"]) == {"netsuite_mock", "stripe_mock"} and run["failures"] == 0


def test_mass_sync_benchmark_reports_every_run_and_goal():
    report = run_mass_sync_bench("--n", "40", "--per-customer-n", "20", "--memory-n", "30", "--latency-ms", "5",
                                 "--ns-concurrency", "5", "--stripe-rps", "400", "--mocks-seconds", "0.3")
    assert report["mix"] == {"linked_unchanged": 22, "linked_changed": 4, "email_match": 2, "no_email": 1,
                             "shared_email": 0, "new": 11}
    assert report["mocks_alone"]["netsuite_rps"] > 0 and report["mocks_alone"]["stripe_rps"] > 0
    paths = report["paths_available"]
    assert "per-customer" in paths
    for path in paths:
        customers = 40 if path == "plan" else 20
        initial, second = report["initial"][path], report["second"][path]
        assert_run_figures(initial, customers)
        assert_run_figures(second, customers)
        writes = initial["stripe_writes"]
        assert writes["creates"] >= 1 and writes["updates"] >= 1
        assert initial["floor_seconds"] == round((writes["creates"] + writes["updates"]) / 400, 2)
    extrapolated = report["initial_per_customer_at_n"]
    assert extrapolated["customers"] == 40 and extrapolated["extrapolated_from"] == 20
    assert extrapolated["seconds"] == round(report["initial"]["per-customer"]["seconds"] * 2, 1)
    memory = report["memory"][0]
    assert_run_figures(memory, 30)
    goals = report["goals"]
    assert goals["peak_rss_mb_at_30"]["value"] == memory["client_peak_rss_mb"]
    if "plan" in paths:
        changed = report["changed_since"]
        assert sum(changed["edited"].values()) == 22 and changed["since"] == report["second"]["plan"]["started_at"]
        for name in ("initial_ratio_plan_over_per_customer", "initial_fraction_of_floor",
                     "second_requests_per_customer", "second_seconds", "changed_since_requests"):
            assert name in goals and "goal" in goals[name]
        assert goals["second_seconds"]["met"] is None  # stated for N=10,000 standard: not judged here


def test_mass_sync_benchmark_profiles_set_the_limits():
    report = run_mass_sync_bench("--profile", "standard", "--n", "10", "--runs", "a", "--mocks-seconds", "0")
    assert report["limits"] == {"netsuite_latency_ms": 400, "ns_concurrency": 5, "stripe_latency_ms": 250,
                                "stripe_rps": 25, "stripe_operation_rps": 25, "stripe_mode": "test",
                                "client_from_mode": True}
    per_customer = report["initial"]["per-customer"]
    assert per_customer["floor_seconds"] == round(sum(per_customer["stripe_writes"].values()) / 25, 2)
    # Each customer's NetSuite read alone waits 400 ms, five at a time.
    assert per_customer["seconds"] >= 10 * 0.4 / 5
    unthrottled = run_mass_sync_bench("--profile", "unthrottled", "--n", "10", "--runs", "d", "--memory-n", "10",
                                      "--mocks-seconds", "0")
    assert unthrottled["limits"] == {"netsuite_latency_ms": 0, "ns_concurrency": None, "stripe_latency_ms": 0,
                                     "stripe_rps": 0, "stripe_operation_rps": 0, "stripe_mode": "test",
                                     "client_from_mode": False}
    assert "initial" not in unthrottled and unthrottled["memory"][0]["customers"] == 10


def test_csv_import_benchmark_reports_its_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "csv_import.py"), "--rows", "300", "--json"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"] == 300 and report["counts"] == {"set": 300}
    assert report["read_and_validate_s"] >= 0 and report["plan_s"] > 0 and report["total_s"] > 0
    assert 1 <= report["netsuite_requests"] <= 3  # one id batch and the linked pass, not one per row
    assert 1 <= report["stripe_requests"] <= 4 and "listed" in report["stripe_lookup"]  # 3 pages of 100
    assert report["rss_peak_mb"] > 0 and set(report["cpu_s"]) == {"client", "netsuite_mock", "stripe_mock"}


def test_netsuite_auth_benchmark_reports_both_auths():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "netsuite_auth.py"), "--requests", "20", "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["micro"]["tba_signature_us"] > 0 and report["micro"]["m2m_es256_jwt_us"] > 0
    runs = {run["auth"]: run for run in report["runs"]}
    assert runs["tba"]["token_requests"] == 0 and runs["m2m"]["token_requests"] == 1
    assert runs["m2m"]["mock_saw"] == {"api": 20, "token": 1} and runs["tba"]["mock_saw"] == {"api": 20, "token": 0}


def test_mass_sync_benchmark_runs_test_and_live_side_by_side_with_each_floor():
    """The live profile: Stripe's live limits on a sk_live_ key (100/s for the account, 25/s per operation,
    https://docs.stripe.com/rate-limits), its floor max(creates/25, updates/25, all/100); test mode's all/25."""
    report = run_mass_sync_bench("--profile", "standard,live", "--n", "60", "--paths", "plan", "--runs", "a",
                                 "--mocks-seconds", "0")
    standard, live = report["profiles"]
    assert (standard["profile"], live["profile"]) == ("standard", "live")
    assert live["limits"]["stripe_mode"] == "live" and live["limits"]["stripe_rps"] == 100
    for one, floor in ((standard, lambda c, u: (c + u) / 25), (live, lambda c, u: max(c / 25, u / 25, (c + u) / 100))):
        run = one["initial"]["plan"]
        writes = run["stripe_writes"]
        assert writes["creates"] >= 1 and writes["updates"] >= 1 and run["failures"] == 0
        assert run["floor_seconds"] == round(floor(writes["creates"], writes["updates"]), 2)
        assert run["stripe_429s"] == {"account": 0, "operation": 0, "search": 0}
    rows = {r["profile"]: r for r in report["side_by_side"]}
    assert rows["live"]["mode"] == "live" and rows["standard"]["floor_seconds"] > rows["live"]["floor_seconds"]
