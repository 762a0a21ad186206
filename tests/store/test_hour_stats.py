"""Ingest records, per hour file, what it held (the `hour_stats` view), and hours recorded
missing; a file ingested again keeps only its latest row."""
import datetime as dt

from events import event, line, write_hour  # noqa: E402

from starscope.ingest import ingest  # noqa: E402
from starscope.store import Store  # noqa: E402


def _rows(store):
    con = store.connect()
    rows = con.execute("SELECT hour, file, events, stars, n_push, n_fork, bad_lines, corrupt "
                       "FROM hour_stats ORDER BY hour").fetchall()
    con.close()
    return rows


def test_per_hour_file_counts_by_type(tmp_path):
    arch = tmp_path / "a"
    evs = [event(i, t, created_at="2024-03-01T05:10:00Z")
           for i, t in enumerate(["WatchEvent"] * 3 + ["PushEvent"] * 5 + ["ForkEvent"], 1)]
    write_hour(arch / "2024-03-01-5.json.gz", [line(e) for e in evs] + [b"not json"])
    write_hour(arch / "2024-03-01-6.json.gz",
               [line(event(100, "PushEvent", created_at="2024-03-01T06:00:00Z"))])
    (arch / "2024-03-01-7.json.gz").write_bytes(b"")  # unreadable: no events
    # a file not named as an hour: its first event's hour
    write_hour(arch / "extra.json.gz", [line(event(200, created_at="2024-03-02T09:30:00Z"))])
    store = Store(tmp_path / "s")
    ingest(store, [str(arch)], workers=1)
    assert _rows(store) == [
        (dt.datetime(2024, 3, 1, 5), "2024-03-01-5.json.gz", 9, 3, 5, 1, 1, False),
        (dt.datetime(2024, 3, 1, 6), "2024-03-01-6.json.gz", 1, 0, 1, 0, 0, False),
        (dt.datetime(2024, 3, 1, 7), "2024-03-01-7.json.gz", 0, 0, 0, 0, 0, True),
        (dt.datetime(2024, 3, 2, 9), "extra.json.gz", 1, 1, 0, 0, 0, False),
    ]
    # the file changed (a complete copy arrived): ingested again, its latest row wins
    write_hour(arch / "2024-03-01-7.json.gz",
               [line(event(300, created_at="2024-03-01T07:00:00Z"))])
    ingest(store, [str(arch)], workers=1)
    rows = _rows(store)
    assert len(rows) == 4
    assert rows[2] == (dt.datetime(2024, 3, 1, 7), "2024-03-01-7.json.gz", 1, 1, 0, 0, 0, False)


def test_missing_hours_are_recorded_once_and_sorted(tmp_path):
    store = Store(tmp_path / "s")
    with store.writing() as w:
        w.record_missing_hours(["2024-03-01-10", "2024-03-01-9", "nonsense", "2024-03-01-24"])
    with store.writing() as w:
        commit = w.manifest["commit"]
        w.record_missing_hours(["2024-03-01-9"])  # known: no new commit
        assert w.manifest["commit"] == commit
    assert store.missing_hours() == ["2024-03-01-9", "2024-03-01-10"]
