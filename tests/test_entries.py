"""The REST list read for one server: parsing, matching, choosing, converting."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlab_hub_credits.entries import (
    available,
    choose_entry,
    match_entry,
    parse_list,
    shows,
    to_snapshot,
    with_grants,
)
from jupyterlab_hub_credits.protocol import MAX_ENTRIES

names = st.text(min_size=1, max_size=12)
amounts = st.one_of(st.integers(-5, 1000), st.floats(0, 1000, allow_nan=False))
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
        assert not isinstance(value, (list, dict))
        return
    for e in parsed:
        assert isinstance(e["name"], str) and e["name"]
        assert isinstance(e["balance"], (int, float)) and not isinstance(e["balance"], bool)
        json.dumps(e, allow_nan=False)


@given(st.lists(entries, max_size=3), st.integers(0, 3))
def test_invalid_entries_are_left_out_and_valid_ones_kept(good, bad):
    raw = list(good) + [{"name": 1, "balance": 2, "cap": 3}] * bad + [{"balance": "1"}]
    assert [e["name"] for e in parse_list(raw)] == [e["name"] for e in good]


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
