"""The kernel API's estimate gives the frontend's results on the shared
vectors (tests/vectors/estimate.json, also read by src/__tests__/vectors.spec.ts)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from jupyterlab_hub_credits.estimate import estimate

CASES = json.loads((Path(__file__).parent / "vectors" / "estimate.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_same_results_as_the_frontend(case):
    result = estimate([tuple(s) for s in case["samples"]], case["now"])
    expected = case["expected"]
    assert set(result) == set(expected)
    for key, value in expected.items():
        if isinstance(value, float) or isinstance(result[key], float):
            assert math.isclose(result[key], value, rel_tol=1e-9, abs_tol=1e-6), key
        else:
            assert result[key] == value, key
