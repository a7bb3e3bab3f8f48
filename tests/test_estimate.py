"""The kernel API's estimate gives the frontend's results: on the shared
vectors generated from the reference billing simulation and
src/model/estimate.ts (tests/vectors/estimate.json, ``npm run vectors``), and
on generated staircases (Hypothesis) for what must hold whatever the input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlab_hub_credits.estimate import GrantPlan, estimate, grant_plans

CASES = json.loads((Path(__file__).parent / "vectors" / "estimate.json").read_text())["cases"]
settings.register_profile("ci", max_examples=500, derandomize=True, deadline=None)
settings.load_profile("ci")


def run(case: dict) -> dict:
    return estimate(
        [tuple(s) for s in case["samples"]],
        case["now"],
        case.get("options"),
        [GrantPlan(g["value"], g["intervalMs"], g["last"], g["cap"]) for g in case["grants"]],
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_same_results_as_the_frontend(case):
    # The same arithmetic in the same order: equal to the last bit.
    assert run(case) == case["expected"]


def test_the_vectors_cover_what_the_hub_does():
    names = " ".join(c["name"] for c in CASES)
    kinds = {c["expected"]["kind"] for c in CASES}
    assert kinds == {"unknown", "steady", "falling"}
    for part in ("two servers", "a late first bill", "missed", "grant", "synced", "every 2 s"):
        assert part in names, part
    assert "every 3600 s" in names
    assert sum(1 for c in CASES if c["grants"] and c["expected"]["kind"] == "falling") > 10


def test_grants_from_the_hubs_json():
    entry = {
        "balance": 40,
        "cap": 100,
        "grant_value": 5,
        "grant_interval": 600,
        "grant_last_update": "2026-01-09T12:00:00.123456",
        "project": {"name": "p", "balance": 10, "cap": 50, "grant_value": 0, "grant_interval": 60},
    }
    (plan,) = grant_plans(entry)
    assert plan == GrantPlan(5, 600_000, 1767960000123, 150)
    assert grant_plans({"balance": 1, "cap": 2}) == []
    assert grant_plans({"balance": 1, "cap": 2, "grant_value": 1, "grant_interval": 0}) == []
    assert grant_plans(None) == []
    samples = [(i * 60000, 100 - 10 * i) for i in range(5)]
    assert estimate(samples, 240000, None, grant_plans({"balance": 60, "cap": 100})) == estimate(
        samples, 240000
    )


staircases = st.lists(
    st.tuples(st.integers(1, 600), st.integers(0, 3)), min_size=2, max_size=60
).map(
    lambda gaps: [
        (sum(g for g, _ in gaps[: i + 1]) * 1000.0, 1000.0 - sum(d for _, d in gaps[: i + 1]) * 5)
        for i in range(len(gaps))
    ]
)


@given(staircases, st.integers(0, 600_000))
def test_the_range_holds_the_stop_and_it_never_lies_in_the_past(samples, later):
    now = samples[-1][0] + later
    result = estimate(samples, now)
    assert result["kind"] in ("unknown", "steady", "falling")
    if result["kind"] == "falling":
        assert result["earliest"] <= result["stopAt"] <= result["latest"]
        assert result["stopAt"] >= samples[-1][0]
        assert result["msToStop"] >= 0 and result["bill"] > 0
