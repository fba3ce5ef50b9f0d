"""The mass-sync benchmark still runs and reports every figure it promises (tiny sizes: figures, not speed)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mass_sync_benchmark_reports_its_figures():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "mass_sync.py"), "--n", "40", "--baseline-n", "5", "--latency-ms", "5",
         "--ns-concurrency", "5", "--stripe-rps", "400", "--mocks-seconds", "0.3", "--json"],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    concurrent, sequential = report["concurrent"], report["sequential"]
    assert concurrent["customers"] == 40 and sequential["customers"] == 5
    for run in (concurrent, sequential):
        assert run["customers_per_s"] > 0 and run["ceiling_customers_per_s"] > 0
        assert 0 < run["fraction_of_ceiling"]
        assert run["netsuite_requests_per_customer"] >= 1 and run["stripe_requests_per_customer"] >= 1
    assert set(concurrent["cpu_ms_per_customer"]) == {"client", "netsuite_mock", "stripe_mock"}
    assert concurrent["rss_peak_mb"] > 0 and 1 <= concurrent["in_flight_peak"] <= concurrent["max_in_flight"]
    assert report["mocks_alone"]["netsuite_rps"] > 0 and report["mocks_alone"]["stripe_rps"] > 0
    assert report["speedup"] > 0


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
