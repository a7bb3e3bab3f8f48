"""The balance history on disk (store.py): it outlives a server restart."""

from __future__ import annotations

import json
import os

import pytest

from jupyterlab_hub_credits.relay import CreditsRelay
from jupyterlab_hub_credits.store import KEEP_SECONDS, HistoryStore

from hubedge import EdgeHub, FakeClock

NOW = 1_700_001_000.0


def test_a_round_trip_keeps_the_last_day_within_the_limit(tmp_path):
    store = HistoryStore.for_server(str(tmp_path), "http://hub/hub/api", "alice", "")
    samples = [(NOW - KEEP_SECONDS - 10, 1.0)] + [(NOW - i, 100.0 - i) for i in range(30, 0, -1)]
    assert store.save(samples, NOW)
    again = HistoryStore(store.path, limit=10).load(NOW)
    assert again == [(NOW - i, 100.0 - i) for i in range(10, 0, -1)]
    assert "alice" not in store.path.name


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"version": 2, "samples": []}',
        '{"version": 1, "samples": {"a": 1}}',
        '{"version": 1, "samples": [[1e400, 1], ["x", 1], [1, 2, 3], [null, 1]]}',
        "[" * 100_000,
    ],
)
def test_a_file_that_cannot_be_read_is_no_history(tmp_path, content):
    store = HistoryStore(tmp_path / "h.json")
    store.path.write_text(content)
    assert store.load(NOW) == []


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    store = HistoryStore(blocked / "sub" / "h.json")
    assert store.save([(NOW, 1.0)], NOW) is False


def test_saves_at_most_once_a_minute(tmp_path):
    store = HistoryStore(tmp_path / "h.json")
    store.maybe_save([(NOW, 1.0)], NOW, clock=0)
    store.maybe_save([(NOW, 1.0), (NOW + 1, 2.0)], NOW + 1, clock=30)
    assert len(json.loads(store.path.read_text())["samples"]) == 1
    store.maybe_save([(NOW, 1.0), (NOW + 1, 2.0)], NOW + 61, clock=61)
    assert len(json.loads(store.path.read_text())["samples"]) == 2


async def test_a_restarted_server_part_has_the_history_of_the_last_run(tmp_path):
    clock = FakeClock()
    hub = EdgeHub(clock)
    store = HistoryStore(tmp_path / "h.json")
    relay = CreditsRelay(hub.env, transport=hub.transport, clock=clock, store=store)
    relay.claim()
    for _ in range(3):
        await clock.advance(10)
        hub.bill(1)
    await clock.advance(1)
    seen = list(relay.history)
    assert len(seen) >= 3
    await relay.close()
    assert os.path.exists(store.path)
    again = CreditsRelay(
        hub.env, transport=hub.transport, clock=clock, store=HistoryStore(store.path)
    )
    assert list(again.history) == seen
    await again.close()
