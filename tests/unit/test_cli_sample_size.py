"""`casereview sample-size`: a margin of error, a change to detect (--detect-change-from/--to), rare events
(--upper-bound), and the refusals between them. No database: the command only computes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.power import METHOD, UPPER_BOUND_METHOD, power_to_detect

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sample-size", *args])
    return result.exit_code, result.stdout, result.stderr


def as_json(*args: str) -> dict[str, Any]:
    code, stdout, stderr = run(*args, "--json")
    assert code == 0, stderr
    data: dict[str, Any] = json.loads(stdout)
    return data


def test_detect_change_equal_sizes_is_r_power_prop_test() -> None:
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) gives n = 76.7 in each group.
    data = as_json("--detect-change-from", "0.5", "--to", "0.75", "--power", "0.9")
    assert data == {
        "size": 77,
        "each": True,
        "detect_change_from": 0.5,
        "to": 0.75,
        "power": 0.9,
        "confidence": 0.95,
        "earlier_n": None,
        "method": METHOD,
    }


def test_detect_change_defaults_and_the_earlier_size_fixed() -> None:
    equal = as_json("--detect-change-from", "0.7", "--to", "0.6")
    assert equal["power"] == 0.8 and equal["confidence"] == 0.95
    n = equal["size"]
    assert power_to_detect(0.7, 0.6, n, n) >= 0.8 > power_to_detect(0.7, 0.6, n - 1, n - 1)
    fixed = as_json("--detect-change-from", "0.7", "--to", "0.6", "--earlier-n", "400")
    assert fixed["earlier_n"] == 400 and fixed["each"] is False
    assert power_to_detect(0.7, 0.6, 400, fixed["size"]) >= 0.8
    assert power_to_detect(0.7, 0.6, 400, fixed["size"] - 1) < 0.8
    strict = as_json("--detect-change-from", "0.7", "--to", "0.6", "--confidence", "0.99")
    assert strict["size"] > n
    code, stdout, _ = run("--detect-change-from", "0.7", "--to", "0.6", "--confidence", "0.99")
    words = " ".join(stdout.split())
    assert code == 0
    assert words.startswith(
        f"{strict['size']} cases in each inspection to detect a change from 70% to 60%"
    )
    assert "99% confidence" in words and "power.prop.test" in words


def test_no_size_is_enough_is_refused() -> None:
    code, _, stderr = run("--detect-change-from", "0.7", "--to", "0.6", "--earlier-n", "50")
    assert code == 2
    assert "no size of the new one is enough" in " ".join(stderr.split())


def test_upper_bound_zero_events_and_the_rule_of_three() -> None:
    data = as_json("--upper-bound", "0.05")
    assert data["size"] == 59  # 1 - 0.05**(1/59) < 5% <= 1 - 0.05**(1/58)
    assert 1 - 0.05 ** (1 / data["size"]) < 0.05 <= 1 - 0.05 ** (1 / (data["size"] - 1))
    assert data["rule_of_three"] == 60 and data["method"] == UPPER_BOUND_METHOD
    assert data["proportion"] == 0.0
    rare = as_json("--upper-bound", "0.05", "--proportion", "0.01")
    assert rare["size"] > data["size"] and rare["rule_of_three"] is None


@pytest.mark.parametrize("p", ["0", "1", "1.2"])
def test_margin_refuses_a_proportion_of_0_or_1(p: str) -> None:
    # It used to answer 1 case.
    code, stdout, stderr = run("--margin", "0.05", "--proportion", p)
    assert code == 2 and stdout == ""
    assert "not 0 or 1" in stderr and "--upper-bound" in stderr


def test_margin_alone_still_works() -> None:
    data = as_json("--margin", "0.05", "--population", "10000")
    assert data["size"] == 370 and data["proportion"] == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give --margin"),
        (("--proportion", "0.5"), "Give --margin"),
        (("--margin", "0.05", "--detect-change-from", "0.7", "--to", "0.6"), "only one of"),
        (("--upper-bound", "0.05", "--detect-change-from", "0.7", "--to", "0.6"), "only one of"),
        (("--margin", "0.05", "--to", "0.6"), "--to cannot be used with --margin"),
        (("--margin", "0.05", "--power", "0.9"), "--power cannot be used"),
        (("--upper-bound", "0.05", "--earlier-n", "10"), "--earlier-n cannot be used"),
        (("--detect-change-from", "0.7", "--to", "0.6", "--population", "900"), "--population"),
        (("--detect-change-from", "0.7", "--to", "0.6", "--proportion", "0.5"), "--proportion"),
        (("--detect-change-from", "0.7"), "needs --to"),
        (("--detect-change-from", "0.7", "--to", "0.7"), "no change to detect"),
        (("--detect-change-from", "0", "--to", "0.1"), "between 0 and 1"),
        (("--upper-bound", "0.05", "--proportion", "0.06"), "can never give an upper bound"),
    ],
)
def test_conflicts_and_bad_values_are_refused(args: tuple[str, ...], message: str) -> None:
    code, stdout, stderr = run(*args)
    assert code == 2 and stdout == ""
    assert message in " ".join(stderr.split())
