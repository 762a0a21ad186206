import json

from hypothesis import given, settings
from hypothesis import strategies as st

from events import event, line
from needs import examples
from starscope.ingest.parse import LineParser, parse_lines
from starscope.store.schema import TYPE_CODE


def test_good_lines_become_columns():
    evs = [event(10, "WatchEvent", 7, "alice", 3, "o/r", "2024-03-01T05:00:06Z", org_id=9),
           event(11, "PushEvent", 8, "bob", 4, "o/s", "2024-03-02T00:00:00Z")]
    res = parse_lines(b"\n".join(line(e) for e in evs) + b"\n")
    assert res.bad == []
    rows = res.table.to_pylist()
    assert [r["event_id"] for r in rows] == [10, 11]
    assert rows[0]["type"] == TYPE_CODE["WatchEvent"] and rows[1]["type"] == TYPE_CODE["PushEvent"]
    assert rows[0]["org_id"] == 9 and rows[1]["org_id"] is None
    assert rows[0]["actor_login"] == "alice" and rows[0]["repo_name"] == "o/r"
    assert rows[1]["created_at"].isoformat() == "2024-03-02T00:00:00"


def test_unknown_type_is_kept_as_other():
    res = parse_lines(line(event(1, "BrandNewEvent")))
    assert res.table["type"].to_pylist() == [0]


BAD_LINES = [
    b"{not json",
    b"\x00\xff\xfe binary junk \x80",
    line(event(1))[:-5],  # cut short
    json.dumps({"id": "1", "type": "WatchEvent"}).encode(),  # fields missing
    line(event(1)).replace(b'"id":1,', b'"id":"1",'),  # actor id of the wrong type
    line(event(1)).replace(b'"id":"1"', b'"id":"x1"'),  # event id not a number
    line(event(1)).replace(b'"id":"1"', b'"id":[1]'),
    line(event(1)).replace(b'"actor":{', b'"actor":"x","_":{'),
    line(event(1)).replace(b"2024-03-01T05:00:06Z", b"yesterday"),
    b"[" * 100_000 + b"]" * 100_000,  # deep nesting
    b'{"id":"1","payload":' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'"a string"',
    b"12",
    b"null",
]


def test_each_bad_line_is_quarantined_and_neighbours_kept():
    good = [line(event(i, actor_id=i)) for i in range(1, 6)]
    data = b"\n".join([good[0], *BAD_LINES, good[1], good[2]]) + b"\n"
    res = parse_lines(data)
    assert res.good == 3
    assert [b.line for b in res.bad] == list(range(2, 2 + len(BAD_LINES)))
    for b, raw in zip(res.bad, BAD_LINES):
        assert b.head == raw[:200]
        assert data[b.offset:b.offset + len(b.head)] == b.head


def test_multi_megabyte_lines():
    big_good = event(5, "PushEvent", payload={"commits": [{"message": "x" * 3_000_000}]})
    data = line(big_good) + b"\n" + b"{" + b"x" * 3_000_000 + b"\n" + line(event(6)) + b"\n"
    res = parse_lines(data)
    assert res.table["event_id"].to_pylist() == [5, 6]
    assert [b.line for b in res.bad] == [2]


def test_feeding_in_pieces_numbers_lines_across_buffers():
    p = LineParser()
    p.feed(line(event(1)) + b"\n" + line(event(2)) + b"\n")
    p.feed(b"oops\n" + line(event(3)) + b"\n")
    res = p.result()
    assert res.good == 3 and [b.line for b in res.bad] == [3]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=12,
)


def _mutations():
    good = st.builds(
        lambda i, a, r, t: line(event(i, actor_id=a, repo_id=r, type_=t)),
        st.integers(1, 10**15), st.integers(1, 10**9), st.integers(1, 10**9),
        st.sampled_from(["WatchEvent", "PushEvent", "ForkEvent", "X"]),
    )
    junk = st.binary(max_size=300).map(lambda b: b.replace(b"\n", b" "))
    jsonish = json_values.map(lambda v: json.dumps(v).encode())
    spliced = st.tuples(good, st.integers(0, 400), st.binary(max_size=20)).map(
        lambda t: (t[0][: t[1]] + t[2] + t[0][t[1]:]).replace(b"\n", b" "))
    return st.one_of(good, junk, jsonish, spliced)


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(_mutations(), max_size=30))
def test_arbitrary_lines_never_crash_and_good_plus_bad_is_lines(lines):
    data = b"\n".join(lines) + b"\n"
    res = parse_lines(data)
    nonblank = [ln for ln in lines if ln.strip()]
    assert res.good + len(res.bad) == len(nonblank)
    for b in res.bad:
        assert b.head == nonblank[b.line - 1][:200]
    # The whole-chunk fast path and the line-by-line path agree on every line.
    one_by_one = [parse_lines(ln) for ln in nonblank]
    assert res.table.to_pylist() == [r for p in one_by_one for r in p.table.to_pylist()]
    assert [b.line for b in res.bad] == [i + 1 for i, p in enumerate(one_by_one) if p.bad]
