"""`starscope demo`: its suggested commands are printed whole, whatever the terminal width."""
from __future__ import annotations

import io

from rich.console import Console


def test_suggested_commands_are_not_wrapped(tmp_path, monkeypatch):
    from starscope.interfaces import demo

    buf = io.StringIO()
    monkeypatch.setattr(demo, "out", Console(file=buf, width=40))
    demo.run_demo(tmp_path / "d", seed=1, days=1)
    lines = buf.getvalue().splitlines()
    store = str(tmp_path / "d" / "store")
    for cmd in ("starscope overview --store", "starscope export --store",
                "starscope evaluate"):
        hit = [ln for ln in lines if cmd in ln]
        assert hit, cmd
        assert store in hit[0] and (cmd != "starscope export --store"
                                    or hit[0].rstrip().endswith("-o suspected.csv")), hit[0]
