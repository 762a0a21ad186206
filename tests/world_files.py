"""Reading a simulated world's files in tests: its truth CSVs and event times."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def parse_ts(s: str) -> dt.datetime:
    """A GH Archive `created_at` ("…Z") as an aware UTC datetime."""
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
