"""starscope.simulate: a labelled synthetic GH Archive world (fake-star campaigns + hard negatives).

    simulate_world(out_dir, days=7, seed=0, scale=1.0, bad=False, preset="realistic"|"easy"|"adversarial") -> dict
    write_hour_files(out_dir, n_files=4, events_per_file=200_000, seed=0) -> list[Path]

See docs/simulator.md.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from .archive import parse_line, validate_event
from .bench import write_hour_files

__all__ = ["simulate_world", "write_hour_files", "validate_event", "parse_line", "PRESETS"]

PRESETS = ("realistic", "easy", "adversarial")


def simulate_world(out_dir, *, days: int = 7, seed: int = 0, scale: float = 1.0, bad: bool = False,
                   start: _dt.date = _dt.date(2024, 3, 1), progress=None,
                   preset: str = "realistic", capture: float = 1.0,
                   capture_from: _dt.date | None = None) -> dict:
    """Write ``OUT_DIR/archive/*.json.gz`` (GH Archive format) and ``OUT_DIR/truth/*``; return world.json.

    ``preset``: ``realistic`` (one sign-up clock for everyone, farms that hide; the default) or
    ``easy`` (campaign accounts in private id blocks: the first simulator) or ``adversarial``
    (the realistic world plus the farms of a seller who read our docs: docs/adversary.md).
    ``capture`` < 1 keeps only that share of star events from ``capture_from`` (default: the
    first day) on, as the real archive has lost stars since mid-2025; the true capture per
    month is in world.json's ``capture``."""
    from .realistic import RealisticWorld
    from .world import World
    from .write import write_world

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (expected one of: {', '.join(PRESETS)})")
    if isinstance(start, _dt.datetime):
        start = start.date()
    if preset == "adversarial":   # imported only when asked for: the other worlds never see it
        from .adversarial import AdversarialWorld as cls
    else:
        cls = RealisticWorld if preset == "realistic" else World
    w = cls(seed=int(seed), days=int(days), scale=float(scale), start=start, bad=bool(bad))
    w.build()
    if capture < 1.0 and capture_from is None:
        capture_from = start
    return write_world(w, Path(out_dir), progress=progress, capture=float(capture),
                       capture_from=capture_from)
