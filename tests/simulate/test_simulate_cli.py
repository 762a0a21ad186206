"""`starscope simulate`: a short table by default, the whole summary with --json; --capture."""
import json

from click.testing import CliRunner

from starscope.cli import main


def test_table_by_default_and_json_on_request(tmp_path):
    args = ["simulate", str(tmp_path / "w"), "--days", "2", "--scale", "0.02",
            "--start", "2024-03-31", "--capture", "0.5", "--capture-from", "2024-04-01"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "hour files" in res.stdout and "star capture" in res.stdout
    assert not res.stdout.lstrip().startswith("{")
    res = CliRunner().invoke(main, args + ["--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    cap = summary["capture"]
    assert cap["fraction"] == 0.5 and cap["from"] == "2024-04-01"
    assert cap["by_month"]["2024-03"]["capture"] == 1.0
    assert 0.3 < cap["by_month"]["2024-04"]["capture"] < 0.7
    assert summary == json.loads((tmp_path / "w" / "truth" / "world.json").read_text())
    bad = CliRunner().invoke(main, args[:2] + ["--capture-from", "April"])
    assert bad.exit_code == 2
