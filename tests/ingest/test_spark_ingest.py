"""`starscope ingest --engine spark` makes the same store as the DuckDB engine.

One small simulated world with bad lines and broken files, ingested with both engines, all at
once and in halves with the engines mixed; compared through the store's reader views (merged
per key, so how rows are split over segments does not matter), `status`, the manifest's file
records and the quarantine.
"""
import json
import shutil

import pytest
from click.testing import CliRunner

from starscope.cli import main as cli
from starscope.engines.spark.ingest import ingest_spark
from starscope.ingest import ingest
from starscope.simulate import simulate_world
from starscope.store import Store, sql
from starscope.store.store import StoreWriter, status

VIEWS = {
    "events": "SELECT * EXCLUDE (month) FROM events",
    "stars": "SELECT * EXCLUDE (month) FROM stars",
    "repo_names": "SELECT repo_id, repo_name, min(first_seen), max(last_seen) FROM repo_names "
                  "GROUP BY ALL",
    "actor_logins": "SELECT actor_id, actor_login, min(first_seen), max(last_seen) "
                    "FROM actor_logins GROUP BY ALL",
    "account_months": f"SELECT * FROM ({sql.ACCOUNT_MONTHS_MERGED})",
    "account_activity": "SELECT * FROM account_activity",
    "repos": "SELECT * FROM repos",
    # per hour file: what it held (coverage.md); `commit` says which run wrote it
    "hour_stats": "SELECT * EXCLUDE (commit) FROM hour_stats",
}
REPORT_KEYS = ("files_seen", "files_ingested", "files_skipped", "lines", "events_parsed",
               "events_new", "stars_new", "duplicate_events", "bad_lines", "corrupt_files",
               "bytes_in")


def snapshot(store: Store, paths: bool = True) -> dict:
    """What readers see, as sets of rows; `paths=False` leaves out where files came from."""
    con = store.connect()
    out = {}
    for name, query in VIEWS.items():
        out[name] = sorted(con.execute(query).fetchall(), key=repr)
    for view in ("events", "stars", "repo_names", "actor_logins", "account_months",
                 "account_activity", "repos", "hour_stats"):
        out[f"{view} types"] = con.execute(f"DESCRIBE {view}").fetchall()
    con.close()
    st = status(store)
    out["status"] = {k: v for k, v in st.items() if k not in ("store", "commits", "bytes_on_disk")}
    m = store.manifest()
    out["totals"], out["span"] = m["totals"], m["span"]
    out["files"] = {k: {f: v for f, v in rec.items() if paths or f != "path"}
                    for k, rec in m["files"].items()}
    quarantine = [json.loads(line) for p in sorted((store.root / "quarantine").glob("*.jsonl"))
                  for line in p.read_text().splitlines()]
    out["quarantine"] = sorted(
        json.dumps({k: v for k, v in q.items() if paths or k != "path"}, sort_keys=True)
        for q in quarantine)
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    simulate_world(out, days=2, seed=7, scale=0.1, bad=True)
    return out / "archive"


@pytest.fixture(scope="module")
def duck(world, tmp_path_factory):
    """The reference: everything ingested at once with DuckDB."""
    store = Store(tmp_path_factory.mktemp("duck") / "store")
    rep = ingest(store, [str(world)], workers=2)
    assert not rep.clean and rep.corrupt_files and rep.bad_lines
    return store, rep, snapshot(store), snapshot(store, paths=False)


@pytest.fixture(scope="module")
def spark_store(world, duck, spark, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("spark") / "store")
    rep = ingest_spark(store, [str(world)], spark=spark)
    return store, rep


def test_same_store_as_duckdb(duck, spark_store):
    _, duck_rep, duck_snap, _ = duck
    store, rep = spark_store
    assert_same(snapshot(store), duck_snap)
    for key in REPORT_KEYS:
        assert getattr(rep, key) == getattr(duck_rep, key), key
    assert rep.clean == duck_rep.clean is False


def test_reingest_is_a_noop_and_copies_are_duplicates(world, duck, spark_store, spark, tmp_path):
    store, first = spark_store
    before = snapshot(store)
    manifest = (store.root / "manifest.json").read_bytes()
    again = ingest_spark(store, [str(world)], spark=spark)
    assert again.files_ingested == 0 and again.files_skipped == first.files_ingested
    assert (store.root / "manifest.json").read_bytes() == manifest
    # The same events under other names: all duplicates of what the store holds.
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in sorted(world.glob("2024-03-01-1[0-2].json.gz")):
        shutil.copy(p, copy / p.name.replace("2024-03-01", "2024-03-09"))
    third = ingest_spark(store, [str(copy)], spark=spark)
    assert third.events_new == 0 and third.duplicate_events == third.events_parsed > 0
    after = snapshot(store)
    for key in VIEWS:
        if key == "hour_stats":  # a record of the files read: the 3 copies are files read
            # (rows hold lists, e.g. star_repos: compared by repr, not hashed)
            seen = {repr(r) for r in before[key]}
            new = [r for r in after[key] if repr(r) not in seen]
            assert sorted(r[1] for r in new) == [f"2024-03-09-1{i}.json.gz" for i in range(3)]
            assert len(after[key]) == len(before[key]) + 3
            continue
        assert after[key] == before[key], key


def _halves(world):
    files = sorted(world.glob("*.json.gz"), key=lambda p: p.name)
    return files[: len(files) // 2], files[len(files) // 2:]


def test_duckdb_then_spark_by_uri_cli(world, duck, spark, tmp_path):
    """First half with DuckDB; then the whole folder as a file:// URI with Spark, through the
    CLI: the first half is skipped, the second ingested; the store is the all-at-once one."""
    first, _ = _halves(world)
    store = Store(tmp_path / "store")
    ingest(store, [str(p) for p in first], workers=2)
    res = CliRunner().invoke(cli, ["ingest", "file://" + str(world.resolve()), "--engine", "spark",
                                   "--master", "local[2]", "--store", str(store.root), "--json"])
    rep = json.loads(res.output)
    assert res.exit_code == (0 if rep["bad_lines"] == 0 and not rep["corrupt_files"] else 1)
    assert rep["files_skipped"] == len(first) and rep["files_ingested"] == rep["files_seen"] - len(first)
    assert_same(snapshot(store, paths=False), duck[3])
    recorded = {r["path"] for r in store.manifest()["files"].values()}
    assert any(p.startswith("file:/") for p in recorded)


def test_spark_then_duckdb_then_compacted(world, duck, spark, tmp_path, monkeypatch):
    """First half with Spark, the rest with DuckDB, whose compaction then merges Spark's
    segments with its own (made to compact every month with 2 or more segments)."""
    first, _ = _halves(world)
    store = Store(tmp_path / "store")
    ingest_spark(store, [str(p) for p in first], spark=spark)
    monkeypatch.setattr(StoreWriter, "COMPACT_MIN_SEGMENTS", 2)
    monkeypatch.setattr(StoreWriter, "COMPACT_EVENTS_BELOW_BYTES", 1 << 30)
    rep = ingest(store, [str(world)], workers=2)
    assert rep.files_skipped == len(first)
    segments = store.manifest()["segments"]
    months = {s["month"] for s in segments["events"]}
    assert all(len(segments[t]) == len(months) for t in segments)  # all merged
    assert_same(snapshot(store), duck[2])


def test_usage_errors_exit_2(tmp_path, spark):
    run = CliRunner().invoke
    res = run(cli, ["ingest", str(tmp_path / "nope"), "--engine", "spark", "--store",
                    str(tmp_path / "s")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = run(cli, ["ingest", (tmp_path / "nope").as_uri(), "--engine", "spark", "--store",
                    str(tmp_path / "s")])
    assert res.exit_code == 2 and "no such file" in res.output
    res = run(cli, ["ingest", str(tmp_path), "--master", "local[1]", "--store", str(tmp_path / "s")])
    assert res.exit_code == 2


def test_duplicates_across_files_and_months(spark, tmp_path):
    """Copies of events in other files of the same run (one across a month boundary), and a
    copy within a file: kept once, counted as the DuckDB engine counts them."""
    from events import event, line, write_hour

    arch = tmp_path / "archive"
    a = [event(10 + i, "WatchEvent" if i % 2 else "PushEvent", actor_id=i % 5 + 1,
               repo_id=i % 3 + 1, created_at=f"2024-03-31T23:{i:02d}:00Z", org_id=i % 2 or None)
         for i in range(40)]
    b = [event(100 + i, actor_id=i % 4 + 1, created_at=f"2024-04-01T00:{i:02d}:00Z")
         for i in range(40)]
    write_hour(arch / "2024-03-31-23.json.gz", [line(e) for e in a + a[:2]])
    write_hour(arch / "2024-04-01-0.json.gz", [line(e) for e in b + a[5:9]])
    write_hour(arch / "2024-04-01-1.json.gz", [line(e) for e in b[10:30] + a[20:25]])
    duck_store, spark_store = Store(tmp_path / "duck"), Store(tmp_path / "spark")
    d = ingest(duck_store, [str(arch)], workers=2)
    s = ingest_spark(spark_store, [str(arch)], spark=spark)
    assert s.events_new == d.events_new == 80
    # 111 good lines, 80 events: every one of the 31 copies is counted (2 within a file).
    assert s.duplicate_events == d.duplicate_events == 31
    assert_same(snapshot(spark_store), snapshot(duck_store))


def _stored_hour(path, lines: list[bytes]) -> None:
    """An hour file stored uncompressed inside gzip (level 0): its size depends only on the
    length of its lines, so two files can differ in content but not in size."""
    import zlib

    path.parent.mkdir(parents=True, exist_ok=True)
    c = zlib.compressobj(0, zlib.DEFLATED, 31)
    path.write_bytes(c.compress(b"".join(ln + b"\n" for ln in lines)) + c.flush())


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    """a/: three hours. b/: an exact copy of a's 10:00 (skipped wherever it is found), another
    11:00 of the same name and size as a's but other events (a later download: taken, as a
    second file), and a new hour 12:00."""
    from events import event, line

    root = tmp_path_factory.mktemp("two_folders")

    def hour(h, first, n=6):
        return [line(event(first + i, "WatchEvent" if i % 2 else "PushEvent", actor_id=i % 3 + 1,
                           repo_id=i % 2 + 1, created_at=f"2024-03-01T{h}:{i:02d}:00Z"))
                for i in range(n)]

    for h in (9, 10, 11):
        _stored_hour(root / "a" / f"2024-03-01-{h}.json.gz", hour(h, 1000 + 100 * h))
    (root / "b").mkdir()
    (root / "b" / "2024-03-01-10.json.gz").write_bytes(
        (root / "a" / "2024-03-01-10.json.gz").read_bytes())
    _stored_hour(root / "b" / "2024-03-01-11.json.gz", hour(11, 5000))
    _stored_hour(root / "b" / "2024-03-01-12.json.gz", hour(12, 1000 + 100 * 12))
    a, b = root / "a" / "2024-03-01-11.json.gz", root / "b" / "2024-03-01-11.json.gz"
    assert a.stat().st_size == b.stat().st_size and a.read_bytes() != b.read_bytes()
    return root / "a", root / "b"


def _engine(name, spark):
    if name == "spark":
        return lambda store, paths: ingest_spark(store, [str(p) for p in paths], spark=spark)
    return lambda store, paths: ingest(store, [str(p) for p in paths], workers=1)


@pytest.fixture(scope="module")
def two_folders_reference(two_folders, tmp_path_factory):
    """b/ after a/, both with DuckDB: what every mix of engines must make."""
    a, b = two_folders
    store = Store(tmp_path_factory.mktemp("ref") / "store")
    ingest(store, [str(a)], workers=1)
    rep = ingest(store, [str(b)], workers=1)
    assert (rep.files_ingested, rep.files_skipped) == (2, 1)
    keys = sorted(store.manifest()["files"])
    assert len(keys) == 5 and sum("#" in k for k in keys) == 1  # 11:00 twice: name, name#fp
    return snapshot(store)


@pytest.mark.parametrize("first,second", [("duckdb", "spark"), ("spark", "duckdb")])
def test_files_identified_by_name_and_content_across_engines(
        first, second, two_folders, two_folders_reference, spark, tmp_path):
    """A store one engine wrote, then more input with the other: the same content under the
    same name is skipped, a different file of the same name and size is taken; then both
    folders again with the first engine: nothing new. Same store as DuckDB alone makes."""
    a, b = two_folders
    store = Store(tmp_path / "store")
    one, two = _engine(first, spark), _engine(second, spark)
    assert one(store, [a]).files_ingested == 3
    rep = two(store, [b])
    assert (rep.files_ingested, rep.files_skipped) == (2, 1)
    again = one(store, [a, b])
    assert (again.files_ingested, again.files_skipped) == (0, 6)
    assert_same(snapshot(store), two_folders_reference)


def test_same_name_in_two_folders_in_one_spark_run(two_folders, spark, tmp_path):
    """Both folders in one run: each distinct file read once, with the DuckDB engine's keys."""
    a, b = two_folders
    duck_store, spark_store = Store(tmp_path / "duck"), Store(tmp_path / "spark")
    d = ingest(duck_store, [str(a), str(b)], workers=1)
    s = ingest_spark(spark_store, [str(a), str(b)], spark=spark)
    assert (s.files_ingested, s.files_skipped) == (d.files_ingested, d.files_skipped) == (5, 1)
    assert_same(snapshot(spark_store), snapshot(duck_store))


def test_same_content_under_two_names_as_duckdb(two_folders, spark, tmp_path):
    """a/'s 10:00 copied under another hour's name, in one run: a file of its own (files are
    keyed by name), read, and its events dropped as duplicates, by both engines alike (in a
    later run: test_reingest_is_a_noop_and_copies_are_duplicates)."""
    a, _ = two_folders
    c = tmp_path / "c"
    c.mkdir()
    (c / "2024-03-01-13.json.gz").write_bytes((a / "2024-03-01-10.json.gz").read_bytes())
    duck_store, spark_store = Store(tmp_path / "duck"), Store(tmp_path / "spark")
    d = ingest(duck_store, [str(a), str(c)], workers=1)
    s = ingest_spark(spark_store, [str(a), str(c)], spark=spark)
    assert (s.files_ingested, s.duplicate_events, s.events_new) == \
        (d.files_ingested, d.duplicate_events, d.events_new) == (4, 6, 18)
    assert s.warnings == d.warnings
    assert_same(snapshot(spark_store, paths=False), snapshot(duck_store, paths=False))


def test_unreadable_inputs_counted_by_spark_as_by_duckdb(spark, tmp_path):
    """A dangling symlink, a symlink loop and a folder named like an hour file, beside
    readable files (one folder given as a path, another as a file:// URI): counted as
    unreadable with the DuckDB engine's reasons and quarantine records; the rest lands."""
    from events import event, line, write_hour

    arch, more = tmp_path / "a", tmp_path / "b"
    write_hour(arch / "2024-03-01-1.json.gz", [line(event(1, created_at="2024-03-01T01:00:00Z"))])
    write_hour(more / "2024-03-01-2.json.gz", [line(event(2, created_at="2024-03-01T02:00:00Z"))])
    (arch / "2024-03-01-3.json.gz").symlink_to(tmp_path / "gone.json.gz")
    (arch / "2024-03-01-4.json.gz").symlink_to(arch / "2024-03-01-4.json.gz")
    (arch / "2024-03-01-7.json.gz").mkdir()
    duck_store, spark_store = Store(tmp_path / "duck"), Store(tmp_path / "spark")
    d = ingest(duck_store, [str(arch), str(more)], workers=1)
    s = ingest_spark(spark_store, [str(arch), "file://" + str(more.resolve())], spark=spark)
    assert s.unreadable_files == d.unreadable_files and len(s.unreadable_files) == 3
    assert (s.files_seen, s.files_ingested, s.events_new) == (d.files_seen, 2, 2)
    assert_same(snapshot(spark_store, paths=False), snapshot(duck_store, paths=False))
