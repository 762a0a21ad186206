"""Detection through GitHub's API against detection from hour files, on simulated worlds.

For each seed: simulate a world, read it from its hour files and through the fake GitHub API
(tests/source/fake_github.py on 127.0.0.1: feeds of their last 300 events, stargazer lists,
profiles, stargazers' public events), detect both with the default profile and print precision
and recall on the followed repos (the promoted ones and their genuine look-alikes), how many of
them have more events than a feed holds, whether the two stores hold the same stars and
stargazer activity, and every star only one side suspects.

    python benchmarks/github_world.py --preset realistic --scale 0.02 --seeds 1 2 3

The figures are in docs/github.md. Needs the test dependencies (pip install -e '.[test]').
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "source"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="realistic", choices=["realistic", "easy"])
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[3])
    args = ap.parse_args()
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(var, None)  # the fake API is on 127.0.0.1
    from world_compare import compare

    print(f"preset {args.preset}, scale {args.scale}, {args.days} days")
    print("seed  followed  >300 events  stars  same-stars  same-activity  hour files P / R  "
          "    API P / R            only API  only hour files")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix="starscope-ghworld-") as tmp:
            c = compare(Path(tmp), args.preset, args.scale, seed, days=args.days)
        h, a, held = c["hours"], c["api"], c["held"]
        print(f"{seed:>4}  {len(c['repos']):>8}  {held['hours']['busy']:>11}  "
              f"{len(held['hours']['stars']):>5}  "
              f"{str(held['api']['stars'] == held['hours']['stars']):>10}  "
              f"{str(held['api']['activity'] == held['hours']['activity']):>13}  "
              f"{h['precision']:.4f} / {h['recall']:.4f}  {a['precision']:.4f} / {a['recall']:.4f}"
              f"  {len(c['only_api']):>8}  {len(c['only_hours']):>15}")
        truth = c["truth"]
        for side, keys, found in (("API", c["only_api"], a), ("hour files", c["only_hours"], h)):
            for k in keys:
                print(f"      only {side}: account {k[0]} repo {k[1]} "
                      f"{'fake' if k in truth else 'genuine'} {found['suspected'][k]}")


if __name__ == "__main__":
    main()
