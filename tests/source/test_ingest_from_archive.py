"""`starscope ingest --from --to`: download from a local fake GH Archive, then ingest."""
import json

from click.testing import CliRunner

from events import event, line  # noqa: E402

import gzip  # noqa: E402


def _hour(hour: int, n: int = 30) -> bytes:
    lines = [line(event(hour * 1000 + i + 1, "WatchEvent", actor_id=i + 1,
                        created_at=f"2024-03-01T{hour:02d}:00:{i % 60:02d}Z")) for i in range(n)]
    return gzip.compress(b"\n".join(lines) + b"\n", mtime=0)


def test_ingest_from_to_downloads_and_ingests_the_span(archive, tmp_path, monkeypatch):
    from starscope.cli import main

    archive.add("2024-03-01-0.json.gz", _hour(0))
    archive.add("2024-03-01-1.json.gz", _hour(1), ["500", "ok"])  # retried
    archive.add("2024-03-01-2.json.gz", _hour(2), ["404"])  # GH Archive gaps happen
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", archive.url)
    dl = tmp_path / "dl"
    dl.mkdir()
    (dl / "2024-02-01-0.json.gz").write_bytes(_hour(5))  # outside the span: not ingested
    store = tmp_path / "store"
    res = CliRunner().invoke(main, ["ingest", "--from", "2024-03-01-0", "--to", "2024-03-01-2",
                                    "--store", str(store), "--download-dir", str(dl), "--json"])
    assert res.exit_code == 0, res.output
    st = CliRunner().invoke(main, ["status", "--store", str(store), "--json"])
    info = json.loads(st.output)
    assert info["files"] == 2 and info["stars"] == 60


def test_ingest_from_to_with_a_failed_hour_exits_1(archive, tmp_path, monkeypatch):
    from starscope.cli import main

    archive.add("2024-03-01-0.json.gz", _hour(0))
    archive.add("2024-03-01-1.json.gz", _hour(1), ["403"])  # fails, not retried
    monkeypatch.setenv("STARSCOPE_GHARCHIVE_URL", archive.url)
    res = CliRunner().invoke(main, ["ingest", "--from", "2024-03-01-0", "--to", "2024-03-01-1",
                                    "--store", str(tmp_path / "s"),
                                    "--download-dir", str(tmp_path / "dl"), "--quiet"])
    assert res.exit_code == 1
    assert "failed: 2024-03-01-1.json.gz" in res.output


def test_download_failure_reasons_are_printed_escaped(capsys):
    """A failure's reason can quote what a server sent (e.g. a Content-Range header): its
    control characters are shown as escapes, never sent to the user's terminal."""
    from starscope.cli import _download_summary
    from starscope.source.gharchive import DownloadReport

    name = "2024-03-01-0.json.gz"
    rep = DownloadReport(failed=[name], errors={name: "bad Content-Range '\x1b]0;pwned\x07'"},
                         base_url="http://127.0.0.1:9/")
    _download_summary(rep)
    err = capsys.readouterr().err
    assert f"failed: {name}: bad Content-Range '\\x1b]0;pwned\\x07'" in err
    rep = DownloadReport(failed=[name], unreachable="network unreachable: \u202eevil",
                         base_url="http://127.0.0.1:9/")
    _download_summary(rep)
    err = capsys.readouterr().err
    assert "\\u202eevil" in err
    assert not any(c in err for c in "\x1b\x07\u202e")
