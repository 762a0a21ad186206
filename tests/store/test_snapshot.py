"""Store.snapshot(): one committed manifest, immutable, unaffected by later commits."""
from __future__ import annotations

import pytest

from starscope.store import Snapshot, Store


def test_a_snapshot_keeps_its_commit_while_writers_go_on(tmp_path):
    store = Store(tmp_path / "s")
    with store.writing() as writer:
        writer.record_missing_hours(["2024-01-01-3"])
        mine = writer.snapshot()
        writer.record_missing_hours(["2024-01-01-1"])
        assert writer.snapshot().missing_hours == ["2024-01-01-1", "2024-01-01-3"]
    assert mine.commit == 1 and mine.missing_hours == ["2024-01-01-3"]
    now = store.snapshot()
    assert isinstance(now, Snapshot) and now.commit == 2
    assert store.missing_hours(now) == ["2024-01-01-1", "2024-01-01-3"]
    assert not now.has_results and now.results_meta is None and not now.results_fresh
    assert now.tables() == [] and now.months() == [] and now.result_tables() == {}


def test_a_snapshot_cannot_be_changed(tmp_path):
    store = Store(tmp_path / "s")
    with store.writing() as writer:
        writer.record_missing_hours(["2024-01-01-0"])
    snap = store.snapshot()
    with pytest.raises(AttributeError):
        snap.commit = 7
    with pytest.raises(TypeError):
        snap.files["x"] = {}  # a read-only view
    hours = snap.missing_hours
    hours.append("2030-01-01-0")  # a copy
    state = snap.source_state("github")
    state["cursor"] = 1
    assert snap.missing_hours == ["2024-01-01-0"] and snap.source_state("github") == {}
    assert store.stamp() is not None and Store(tmp_path / "none").stamp() is None
