"""The benchmarks keep working (their figures go in the README; no timing is asserted here)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "script,figures",
    [
        ("startup.py", ["start_to_first_200_s"]),
        ("auth.py", ["health_rps", "auth_packages_rps", "ratio"]),
        ("process.py", ["unzip_s", "process_s", "ratio", "server_peak_rss_mb"]),
        ("upload.py", ["cp_mib_s", "put_mib_s", "ratio"]),
        ("content.py", ["health_rps", "content_rps", "ratio"]),
        ("commit.py", ["health_rps", "commits_per_s", "ratio"]),
        ("dashboard.py", ["slowest_page_ms"]),
        ("xapi_query.py", ["p50_ratio_agent", "p50_ratio_since", "p50_ratio_analytics_actors"]),
        ("sync.py", ["sync_over_minimal", "rerun_share", "sync_peak_rss_mb"]),
        ("slow_clients.py", ["health_p99_ms_baseline", "health_p99_ms_slow_clients"]),
        ("webhooks.py", ["commit_ratio", "delivery_p50_ms", "delivery_p99_ms", "backlog_deliveries_per_s"]),
        pytest.param(
            "dispatch.py",
            [
                "direct_launch_ms",
                "dispatch_launch_ms",
                "shell_to_content_ms",
                "tab_launch_ms",
                "launch_ratio",
                "generate_ms",
                "build_ms",
            ],
            marks=pytest.mark.browser,
        ),
    ],
)
def test_benchmark_runs_and_prints_its_figures(script, figures):
    out = subprocess.run(
        [sys.executable, script, "--quick"], cwd=BENCH, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    for name in figures:
        assert re.search(rf"{name}\s+(median\s+)?[\d.]+", out.stdout), out.stdout
