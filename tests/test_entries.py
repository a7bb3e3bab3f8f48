"""The REST list read for one server: parsing, matching, choosing, converting.

The shared vectors (tests/vectors/entries.json, generated from
src/connection/entries.ts by ``npm run vectors``) hold the browser's
answers: the relay must give the same ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlab_hub_credits.entries import (
    available,
    choose_entry,
    match_entry,
    parse_entry,
    parse_list,
    shows,
    to_snapshot,
    with_grants,
)
from jupyterlab_hub_credits.protocol import MAX_ENTRIES

names = st.text(min_size=1, max_size=12)
amounts = st.one_of(st.integers(0, 1000), st.floats(0, 1000, allow_nan=False))
projects = st.fixed_dictionaries({"name": names, "balance": amounts, "cap": amounts})
entries = st.fixed_dictionaries(
    {"name": names, "balance": amounts, "cap": amounts},
    optional={
        "project": projects,
        "grant_value": amounts,
        "grant_interval": amounts,
        "grant_last_update": st.just("2026-01-09T12:00:00"),
    },
)
entry_lists = st.lists(entries, max_size=6, unique_by=lambda e: e["name"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(max_examples=300)
@given(json_values)
def test_parsing_any_json_never_raises_and_keeps_only_valid_entries(value):
    parsed = parse_list(value)
    if parsed is None:
        # No list, or entries none of which is valid.
        items = [value] if isinstance(value, dict) else value
        assert not isinstance(items, list) or (
            items and all(parse_entry(raw) is None for raw in items[:MAX_ENTRIES])
        )
        return
    for e in parsed:
        assert isinstance(e["name"], str) and e["name"]
        assert isinstance(e["balance"], (int, float)) and not isinstance(e["balance"], bool)
        json.dumps(e, allow_nan=False)


@given(st.lists(entries, max_size=3), st.integers(0, 3))
def test_invalid_entries_are_left_out_and_valid_ones_kept(good, bad):
    raw = list(good) + [{"name": 1, "balance": 2, "cap": 3}] * bad + [{"balance": "1"}]
    parsed = parse_list(raw)
    if not good:
        # Entries, none of them valid: a list we cannot read, not a free server.
        assert parsed is None
        return
    assert [e["name"] for e in parsed] == [e["name"] for e in good]


VECTORS = json.loads((Path(__file__).parent / "vectors" / "entries.json").read_text())["cases"]


def answers(case):
    """What the relay makes of a vector's list, as the browser's vector states it."""
    entries = parse_list(case["list"])
    previous = case["previous"]
    matched = previous
    if entries is not None:
        matched = match_entry(entries, case["snapshot"], previous) or previous
    choice = choose_entry(entries, matched) if entries is not None else None
    return {
        "valid": None if entries is None else [e["name"] for e in entries],
        "matched": matched,
        "choice": None
        if choice is None
        else {"name": choice.name, "ambiguous": choice.ambiguous, "reason": choice.reason()},
        "snapshot": None if choice is None else to_snapshot(choice.entry),
    }


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_the_shared_vectors(case):
    assert answers(case) == case["expected"]


def test_the_vectors_cover_free_servers_unreadable_lists_and_guesses():
    kinds = {
        "no list"
        if c["expected"]["valid"] is None
        else "free"
        if c["expected"]["choice"] is None
        else "guess"
        if c["expected"]["choice"]["ambiguous"]
        else "certain"
        for c in VECTORS
    }
    assert kinds == {"no list", "free", "guess", "certain"}


def test_at_most_max_entries_are_read():
    raw = [{"name": f"e{i}", "balance": 1, "cap": 2} for i in range(MAX_ENTRIES + 5)]
    assert len(parse_list(raw)) == MAX_ENTRIES


def test_an_older_hubs_single_object_is_a_list_of_one():
    assert parse_list({"name": "default", "balance": 1, "cap": 2}) == [
        {"name": "default", "balance": 1, "cap": 2}
    ]


@given(entry_lists, st.one_of(st.none(), names))
def test_the_choice_is_an_entry_of_the_list_and_a_guess_only_without_a_match(listed, matched):
    listed = parse_list(listed)
    choice = choose_entry(listed, matched)
    if not listed:
        assert choice is None
        return
    assert choice.entry in listed
    known = matched is not None and any(e["name"] == matched for e in listed)
    if known:
        assert choice.name == matched and not choice.ambiguous
    elif len(listed) == 1:
        assert not choice.ambiguous
    else:
        assert choice.ambiguous
        assert choice.name == (
            "default" if any(e["name"] == "default" for e in listed) else listed[0]["name"]
        )
        assert choice.reason() == f"which entry pays for this server is a guess: {choice.name}"


@given(entry_lists, st.data())
def test_an_entry_converted_to_a_snapshot_is_matched_back(listed, data):
    listed = parse_list(listed)
    if not listed:
        return
    chosen = data.draw(st.sampled_from(listed))
    snapshot = to_snapshot(chosen)
    assert shows(chosen, snapshot)
    assert "name" not in snapshot
    assert available(snapshot) == chosen["balance"] + chosen.get("project", {}).get("balance", 0)
    twins = [e for e in listed if shows(e, snapshot)]
    matched = match_entry(listed, snapshot)
    assert matched == (chosen["name"] if len(twins) == 1 else None)
    # With the same numbers on several entries, the previous match holds.
    assert match_entry(listed, snapshot, previous=chosen["name"]) == chosen["name"]


def test_a_stream_snapshot_matches_by_its_numbers_and_project():
    listed = parse_list(
        [
            {"name": "default", "balance": 95, "cap": 100},
            {
                "name": "gpu",
                "balance": 95,
                "cap": 100,
                "project": {"name": "lab", "balance": 5, "cap": 9},
            },
        ]
    )
    assert match_entry(listed, {"balance": 95, "cap": 100}) == "default"
    project = {"balance": 95, "cap": 100, "project": {"name": "lab", "balance": 5, "cap": 9}}
    assert match_entry(listed, project) == "gpu"
    assert match_entry(listed, {"balance": 94, "cap": 100}) is None
    assert match_entry(listed, None) is None


def test_a_stream_snapshot_gets_the_grants_the_list_states_for_its_entry():
    listed = {
        "balance": 90,
        "cap": 100,
        "grant_value": 10,
        "grant_interval": 600,
        "project": {"name": "lab", "balance": 5, "cap": 9, "grant_value": 1},
    }
    streamed = {"balance": 80, "cap": 100, "project": {"name": "lab", "balance": 4, "cap": 9}}
    assert with_grants(streamed, listed) == {
        "balance": 80,
        "cap": 100,
        "grant_value": 10,
        "grant_interval": 600,
        "project": {"name": "lab", "balance": 4, "cap": 9, "grant_value": 1},
    }
    assert with_grants(streamed, None) == streamed


def test_numbers_javascript_cannot_hold_are_invalid():
    # An integer beyond any float (JavaScript: Infinity) leaves its entry out.
    listed = [
        {"name": "huge", "balance": 10**400, "cap": 1},
        {"name": "ok", "balance": 1, "cap": 2},
    ]
    assert [e["name"] for e in parse_list(listed)] == ["ok"]
