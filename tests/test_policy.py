"""The relay's policy and its check of hub data: the browser's verdicts on
the shared vectors (tests/vectors/policy.json, generated from
src/connection/policy.ts by ``npm run vectors``), generated input
(Hypothesis, derandomized: a failure replays) and hand-written cases."""

from __future__ import annotations

import email.utils
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlab_hub_credits.policy import (
    Timings,
    classify,
    retry_after_seconds,
)

TIMINGS = Timings()
VECTORS = json.loads((Path(__file__).parent / "vectors" / "policy.json").read_text())
settings.register_profile("ci", max_examples=2000, derandomize=True, deadline=None)
settings.load_profile("ci")

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


@given(
    st.integers(min_value=0, max_value=999),
    st.text(max_size=40),
    st.booleans(),
    st.one_of(st.none(), st.text(max_size=40), st.floats().map(str)),
)
def test_classify_never_raises_and_waits_are_finite(status, content_type, saw_event, retry_after):
    verdict = classify(status, content_type, saw_event, retry_after, 1.7e9)
    assert verdict.kind in ("open", "retry", "refused", "end")
    assert math.isfinite(verdict.not_before) and verdict.not_before >= 0
    if verdict.kind == "end":
        assert verdict.state in ("unreachable", "unavailable", "stopped")
    assert (verdict.kind == "open") == (
        status == 200 and content_type.lower().startswith("text/event-stream")
    )


def test_statuses():
    assert classify(200, "text/event-stream", False, None, 0).kind == "open"
    assert classify(200, "text/html; charset=UTF-8", False, None, 0).kind == "refused"
    assert classify(200, "application/json", False, None, 0).state == "unavailable"
    assert classify(302, "", False, None, 0).kind == "refused"
    assert classify(403, "", False, None, 0).kind == "refused"
    assert classify(404, "", False, None, 0).state == "unavailable"
    assert classify(404, "", True, None, 0).state == "stopped"
    assert classify(409, "", False, None, 0).state == "stopped"
    assert classify(424, "", False, None, 0).state == "stopped"
    retry = classify(503, "", False, "Wed, 21 Oct 2015 07:28:10 GMT", 1445412480)
    assert retry.kind == "retry" and retry.not_before == 10


def test_retry_after_reads_seconds_and_imf_dates_only():
    assert retry_after_seconds(" 120 ", 0) == 120
    assert retry_after_seconds("1.5", 0) == 1.5
    assert retry_after_seconds("-5", 0) == 0
    assert retry_after_seconds("0x10", 0) == 0
    assert retry_after_seconds("1_000", 0) == 0
    assert retry_after_seconds("\u0661", 0) == 0  # a digit, but not an ASCII one
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", 1445412400) == 90
    assert retry_after_seconds("Wednesday, 21-Oct-15 07:28:10 GMT", 0) == 0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", 1445412500) == 0


#: The cases of a hub's answers (the vectors also hold cases of the page's
#: retired reading of its relay, of fetch's opaque redirects and bodiless
#: answers: none reaches the server part).
HUB_CASES = [
    c
    for c in VECTORS["cases"]
    if not c["relay"] and c["answer"]["hasBody"] and not c["answer"]["opaqueRedirect"]
]


def as_json(verdict):
    """A verdict as the vectors write it (delays in ms)."""
    value = {"kind": verdict.kind}
    if verdict.kind == "end":
        value["state"] = verdict.state
    if verdict.kind != "open":
        value["reason"] = verdict.reason
    if verdict.kind == "retry":
        value["notBeforeMs"] = verdict.not_before * 1000
    return value


@pytest.mark.parametrize("case", HUB_CASES, ids=[c["name"] for c in HUB_CASES])
def test_the_verdicts_of_the_vectors(case):
    answer = case["answer"]
    verdict = as_json(
        classify(
            answer["status"],
            answer["contentType"],
            case["sawEvent"],
            answer["retryAfter"],
            case["now"] / 1000,
        )
    )
    expected = dict(case["expected"])
    assert math.isclose(
        verdict.pop("notBeforeMs", 0), expected.pop("notBeforeMs", 0), rel_tol=1e-12, abs_tol=1e-3
    )
    assert verdict == expected


def test_the_vectors_cover_the_hubs_answers():
    verdicts = {(c["expected"]["kind"], c["expected"].get("state")) for c in HUB_CASES}
    assert verdicts == {
        ("open", None),
        ("retry", None),
        ("refused", None),
        ("end", "unavailable"),
        ("end", "stopped"),
    }
    statuses = {c["answer"]["status"] for c in HUB_CASES}
    assert {302, 401, 403, 404, 409, 424, 429, 503} <= statuses
    assert any("login page" in c["expected"].get("reason", "") for c in HUB_CASES)


@given(st.integers(min_value=-86_400, max_value=10 * 86_400))
def test_an_imf_date_is_read_to_the_second(offset):
    now = 1_796_126_400.0
    header = email.utils.formatdate(now + offset, usegmt=True)
    assert retry_after_seconds(header, now) == max(0, offset)


def test_the_defaults_are_the_protocol_files(tmp_path, monkeypatch):
    from jupyterlab_hub_credits import protocol

    source = Path(__file__).parent.parent / "src" / "protocol.json"
    shared = json.loads(source.read_text())
    assert protocol.load() == shared
    assert TIMINGS.backoff_base == shared["timings"]["backoffBaseSeconds"]
    assert TIMINGS.backoff_cap == shared["timings"]["backoffCapSeconds"]
    assert TIMINGS.stop_checks == shared["timings"]["stopChecks"]
    # The package copy (in a wheel) comes first; the source tree is the fallback.
    copy = tmp_path / "protocol.json"
    copy.write_text(json.dumps({**shared, "version": 99}))
    monkeypatch.setattr(protocol, "CANDIDATES", (tmp_path, source.parent))
    assert protocol.load()["version"] == 99
    assert protocol.load("reasons.json") == protocol.REASONS
    monkeypatch.setattr(protocol, "CANDIDATES", (tmp_path / "missing",))
    with pytest.raises(FileNotFoundError):
        protocol.load()
