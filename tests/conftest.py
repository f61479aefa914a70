"""Shared test set-up.

With CASEREVIEW_REQUIRE_ALL=1 (as .ci/run sets) a test skipped because
PostgreSQL or Chromium is missing fails instead: CI must prove the real thing ran.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.oidc import oidc_provider, provider  # noqa: F401  (the test OpenID Connect provider)
from tests.smtp import smtp  # noqa: F401  (a real SMTP server, as a fixture for every test)
from tests.welsh import welsh  # noqa: F401  (Welsh offered, the committed catalogue compiled)

REQUIRE_ALL = os.environ.get("CASEREVIEW_REQUIRE_ALL") == "1"

# No test depends on the machine's speed: Hypothesis's time limits (a deadline per example, the "too slow"
# health check) are off for every property test; its own @settings change only what they name.
settings.register_profile("casereview", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("casereview")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"CASEREVIEW_REQUIRE_ALL=1 forbids skipping: {reason}"
