"""Writing a built world: GH Archive hour files (with the ``--bad`` damage and the archive's lost
stars) and the truth files. Shared by both presets; one ``random.Random`` per seed, drawn in a
fixed order, so the same world gives the same bytes."""
from __future__ import annotations

import bisect
import csv
import datetime as _dt
import json
import random
from pathlib import Path

from . import archive
from .base import MAX_REPO_ID
from .clock import HOUR
from .payloads import TemplatePool, render


def _replace_last(s: str, old: str, new: str) -> str:
    i = s.rfind(old)
    return s if i < 0 else s[:i] + new + s[i + len(old):]


BAD_LINE_MAKERS = (
    lambda rng, good: good[: len(good) // 2],                                     # cut JSON
    lambda rng, good: '{"id": "1", "type": ',
    lambda rng, good: "not json at all",
    lambda rng, good: '{"id":"123",}',
    lambda rng, good: good.replace('"actor":{', '"actor":"x","_a":{', 1),           # actor not an object
    lambda rng, good: good.replace('{"id":"', '{"id":[', 1).replace('","type"', '],"type"', 1),  # id as list
    lambda rng, good: good.replace('"repo":{"id":', '"repo":{"id":"', 1).replace(',"name"', '","name"', 1),  # repo.id string
    lambda rng, good: good.replace('"type":"', '"kind":"', 1),                     # missing type
    lambda rng, good: _replace_last(good, '"created_at":', '"createdAt":'),       # missing created_at
    lambda rng, good: good.replace('"repo":{', '"_repo":{', 1),                    # missing repo
    lambda rng, good: good.replace('"payload":{', '"payload":[{', 1).replace(',"public"', '],"public"', 1),  # payload not object
    lambda rng, good: "[]",
    lambda rng, good: "null",
    lambda rng, good: '"just a string"',
)
N_BAD_LINES = 40


def _binary_junk(rng: random.Random) -> bytes:
    n = rng.randint(20, 400)
    b = bytes(rng.choice([x for x in range(256) if x not in (10, 13)]) for _ in range(n))
    return b"\xff\xfe" + b


class _HourWriter:
    """Renders the world's events hour by hour into hour files; damages some with ``bad``."""

    def __init__(self, w, arch: Path, cap: archive.StarCapture):
        self.w, self.arch, self.cap = w, arch, cap
        self.rng = rng = random.Random(f"starscope-write:{w.seed}")
        self.pool = TemplatePool(w.seed)
        self.clock = archive.Clock(w.start, w.days)
        self.n_hours = n_hours = w.days * 24
        self.bad_hours: dict[int, str] = {}     # hour -> truncated | empty | non_gzip
        if w.bad:
            picks = rng.sample(range(n_hours), min(3, n_hours))
            self.bad_hours = dict(zip(picks, ("truncated", "empty", "non_gzip")))
        self.actor_frag: dict[int, str] = {}
        self.repo_frag: dict[int, str] = {}
        self.org_frag = {o: archive.org_fragment(w.org_id[o], w.org_login[o]) for o in range(len(w.org_id))}
        self.next_id = 26_000_000_000 + max(0, (w.start - _dt.date(2023, 1, 1)).days) * 25_000_000
        self.fork_id = MAX_REPO_ID + 10_000_000
        self.times = [e[0] for e in w.events]
        self.bad_line_hours: dict[int, list[int]] = {}
        if w.bad:
            normal_hours = [h for h in range(n_hours) if h not in self.bad_hours]
            for i in range(N_BAD_LINES):
                h = normal_hours[int(rng.random() * len(normal_hours))]
                self.bad_line_hours.setdefault(h, []).append(i)
        self.big_done = self.deep_done = False
        self.bad_lines = 0
        self.lost = {"truncation": 0, "bad_files": 0}
        self.files: list[str] = []
        self.truncated: list[dict] = []
        self.empty: list[str] = []
        self.non_gzip: list[str] = []

    def render(self, h: int, day: _dt.date) -> tuple[list[str], list[tuple]]:
        """Hour ``h``'s lines and (event_id, type, actor, repo, tag, created_at) per line."""
        w, rng = self.w, self.rng
        lo, hi = bisect.bisect_left(self.times, h * HOUR), bisect.bisect_left(self.times, (h + 1) * HOUR)
        lines: list[str] = []
        metas = []
        for t, _seq, etype, a, r, tag in w.events[lo:hi]:
            self.next_id += 1 + int(rng.random() * 40)
            af = self.actor_frag.get(a)
            if af is None:
                af = self.actor_frag[a] = archive.actor_fragment(w.acc_id[a], w.acc_login[a])
            rf = self.repo_frag.get(r)
            if rf is None:
                rf = self.repo_frag[r] = archive.repo_fragment(w.repo_id[r], w.repo_full[r])
            ts = self.clock.fmt(t)
            vals = {"R": w.repo_full[r], "RN": w.repo_short[r], "O": w.repo_owner_login[r], "OID": str(w.repo_owner_id[r]),
                    "L": w.acc_login[a], "AID": str(w.acc_id[a]), "RID": str(w.repo_id[r]), "TS": ts}
            if etype == "ForkEvent":
                self.fork_id += 1 + int(rng.random() * 30)
                vals["NID"] = str(self.fork_id)
            payload = render(self.pool.pick(etype, rng), vals)
            o = w.repo_org[r]
            if etype == "WatchEvent" and not self.cap.keep(self.next_id, day):
                continue  # lost by the archive: rng draws above still happen, the rest is unchanged
            lines.append(archive.event_line(self.next_id, etype, af, rf, payload, ts, self.org_frag[o] if o >= 0 else ""))
            metas.append((self.next_id, etype, a, r, tag, ts))
        return lines, metas

    def write(self, h: int, name: str, lines: list[str]) -> int:
        """Write hour ``h``'s file; return how many of ``lines`` a reader gets back."""
        what = self.bad_hours.get(h)
        path = self.arch / name
        keep = len(lines)
        if what == "empty":
            archive.write_bytes(path, b"")
            self.empty.append(name)
        elif what == "non_gzip":
            archive.write_bytes(path, (
                "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                f"</Message><Details>No such object: data.gharchive.org/{name}</Details></Error>\n").encode())
            self.non_gzip.append(name)
        elif what == "truncated":
            keep = len(lines) // 2
            data = [(x + "\n").encode() for x in lines]
            archive.write_bytes(path, archive.gzip_truncated(data, keep))
            self.truncated.append({"file": name, "complete_lines": keep})
            self.lost["truncation"] += len(lines) - keep
        else:
            out_lines = self._with_bad_lines(h, lines)
            data = b"\n".join(out_lines) + b"\n" if out_lines else b""
            archive.write_bytes(path, archive.gzip_bytes(data))
        if what in ("empty", "non_gzip"):
            keep = 0
            self.lost["bad_files"] += len(lines)
        self.files.append(name)
        return keep

    def _with_bad_lines(self, h: int, lines: list[str]) -> list[bytes]:
        """The hour's lines with its share of malformed ones inserted at random places."""
        rng = self.rng
        out_lines: list[bytes] = [x.encode() for x in lines]
        for _i in self.bad_line_hours.get(h, []):
            good = lines[int(rng.random() * len(lines))] if lines else '{"id":"1"}'
            if not self.big_done:
                bad = ('{"id":"1","type":"PushEvent","payload":{"junk":"' + "x" * (3 << 20)).encode()  # 3 MB, unterminated
                self.big_done = True
            elif not self.deep_done:
                bad = b"[" * 100_000
                self.deep_done = True
            elif rng.random() < 0.12:
                bad = _binary_junk(rng)
            else:
                bad = BAD_LINE_MAKERS[int(rng.random() * len(BAD_LINE_MAKERS))](rng, good).encode()
            out_lines.insert(int(rng.random() * (len(out_lines) + 1)), bad)
            self.bad_lines += 1
        return out_lines

    def bad_summary(self) -> dict:
        return {
            "bad_lines": self.bad_lines,
            "truncated_files": [x["file"] for x in self.truncated],
            "truncated_complete_lines": {x["file"]: x["complete_lines"] for x in self.truncated},
            "empty_files": self.empty,
            "non_gzip_files": self.non_gzip,
            "events_lost_to_truncation": self.lost["truncation"],
            "events_lost_to_bad_files": self.lost["bad_files"],
        }


class _Tally:
    """What a reader of the written archive can see: valid events, stars, fake and negative stars."""

    def __init__(self, w):
        self.w = w
        self.n_valid = self.n_stars = 0
        self.fake_rows: list[tuple] = []
        self.per_camp_present = [set() for _ in w.campaigns]
        self.per_camp_stars = [0] * len(w.campaigns)
        self.per_neg_present = [set() for _ in w.negatives]
        self.per_neg_stars = [0] * len(w.negatives)
        self.account_present: set[int] = set()

    def add(self, metas) -> None:
        w = self.w
        for eid, etype, a, r, tag, ts in metas:
            self.n_valid += 1
            self.account_present.add(a)
            if etype != "WatchEvent":
                continue
            self.n_stars += 1
            if tag is None:
                continue
            if tag[0] == "fake":
                c = w.campaigns[tag[1]]
                self.fake_rows.append((eid, w.repo_id[r], w.repo_full[r], w.acc_id[a], w.acc_login[a], ts,
                                       c["campaign_id"], c["kind"]))
                self.per_camp_present[tag[1]].add(a)
                self.per_camp_stars[tag[1]] += 1
            else:
                self.per_neg_present[tag[1]].add(a)
                self.per_neg_stars[tag[1]] += 1


def write_world(w, out_dir: Path, progress=None, capture: float = 1.0,
                capture_from: _dt.date | None = None) -> dict:
    """Write the world's hour files and truth. ``capture``/``capture_from``: keep only that
    share of star events from that day on (the archive losing stars, see archive.keep_star);
    the world itself is unchanged, truth/world.json records the capture per month."""
    cap = archive.StarCapture(capture, capture_from)
    arch = out_dir / "archive"
    truth = out_dir / "truth"
    arch.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    for p in arch.glob("*.json.gz"):
        p.unlink()
    hw = _HourWriter(w, arch, cap)
    tally = _Tally(w)
    for h in range(hw.n_hours):
        day = w.start + _dt.timedelta(days=h // 24)
        lines, metas = hw.render(h, day)
        keep = hw.write(h, archive.hour_file_name(day, h % 24), lines)
        tally.add(metas[:keep])
        if progress is not None:
            progress(h + 1, hw.n_hours)
    return _write_truth(w, truth, tally, hw, cap)


def _csv_file(path: Path, header: tuple, rows) -> None:
    with open(path, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(header)
        wr.writerows(rows)


def _write_truth(w, truth: Path, tally: _Tally, hw: _HourWriter, cap: archive.StarCapture) -> dict:
    fake_rows = tally.fake_rows
    _csv_file(truth / "fake_stars.csv", ("event_id", "repo_id", "repo_name", "actor_id", "actor_login",
                                         "starred_at", "campaign_id", "kind"), fake_rows)
    camp_rows = []
    for i, c in enumerate(w.campaigns):
        ts = [row[5] for row in fake_rows if row[6] == c["campaign_id"]]
        camp_rows.append((c["campaign_id"], c["kind"], ";".join(w.repo_full[r] for r in c["repos"]),
                          min(ts) if ts else "", max(ts) if ts else "", len(tally.per_camp_present[i]),
                          tally.per_camp_stars[i]))
    _csv_file(truth / "campaigns.csv", ("campaign_id", "kind", "repo_names", "start", "end", "n_accounts",
                                        "n_stars"), camp_rows)
    _csv_file(truth / "negatives.csv", ("group_id", "kind", "repo_names", "n_accounts", "n_stars"),
              ((g["group_id"], g["kind"], ";".join(w.repo_full[r] for r in g["repos"]),
                len(tally.per_neg_present[i]), tally.per_neg_stars[i]) for i, g in enumerate(w.negatives)))
    roles: dict[str, int] = {}
    acc_rows = []
    for a in range(len(w.acc_id)):
        if a not in tally.account_present:
            continue
        created = _dt.datetime.fromtimestamp(int(w.created_at(a)), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        acc_rows.append((w.acc_id[a], w.acc_login[a], w.acc_role[a], w.acc_camp[a], created))
        roles[w.acc_role[a]] = roles.get(w.acc_role[a], 0) + 1
    _csv_file(truth / "accounts.csv", ("actor_id", "actor_login", "role", "campaign_id", "created_at"), acc_rows)
    summary = {
        "preset": w.preset, "seed": w.seed, "days": w.days, "scale": w.scale, "start": w.start.isoformat(),
        "end": (w.start + _dt.timedelta(days=w.days)).isoformat(),
        "files": len(hw.files), "events": tally.n_valid, "stars": tally.n_stars, "fake_stars": len(fake_rows),
        "campaigns": {k: sum(1 for c in w.campaigns if c["kind"] == k) for k in w.CAMPAIGN_KINDS},
        "fake_stars_by_kind": {k: sum(r[6] for r in camp_rows if r[1] == k) for k in w.CAMPAIGN_KINDS},
        "negatives": {k: sum(1 for g in w.negatives if g["kind"] == k) for k in w.NEGATIVE_KINDS},
        "negative_stars_by_kind": {k: sum(tally.per_neg_stars[i] for i, g in enumerate(w.negatives) if g["kind"] == k)
                                   for k in w.NEGATIVE_KINDS},
        "accounts_by_role": {k: roles.get(k, 0) for k in w.ROLES},
        "capture": cap.summary(),
        "bad": hw.bad_summary(),
    }
    (truth / "world.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
