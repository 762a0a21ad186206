"""Detection on a simulated world read through the fake GitHub API (repo feeds of their last
300 events, stargazer lists with times, profiles, users' public events) scores at least as well
as on the same world read from its hour files, on the same truth (world_compare.py)."""
from __future__ import annotations

import pytest

from world_compare import compare

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# The realistic world (scale 0.02, seed 3) is the one that once differed: through the API,
# created-together (profiles) flagged 2 accounts of the world's hackathon (38 people registered
# in one evening; these two had only pushed once) on 3 repos, 5 false positives (precision 0.619
# against 0.620), because its blocks were found among all profiled stargazers and only then
# narrowed to those that do no other work. Blocks are now found among those alone, as `bulk`
# finds them among thin accounts only (detect/created_together.py). Other seeds: docs/github.md
# (benchmarks/github_world.py).
PRESETS = [pytest.param("easy", 0.05, 3, id="easy"),
           pytest.param("realistic", 0.02, 3, id="realistic")]


@pytest.mark.parametrize("preset,scale,seed", PRESETS)
def test_api_detection_is_at_least_as_good_as_hour_files(tmp_path, monkeypatch, preset, scale, seed):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    c = compare(tmp_path, preset, scale, seed)
    h, a = c["hours"], c["api"]
    print("hour files", {k: v for k, v in h.items() if k != "suspected"},
          "API", {k: v for k, v in a.items() if k != "suspected"},
          "only API", c["only_api"], "only hour files", c["only_hours"])
    assert c["fake"].violations == 0 and not c["report"].problems
    # A fair comparison: the API read the same stars of these repos as the hour files hold (same
    # times and event ids: a feed's 300-event window loses none, the stargazer list and the
    # stargazers' own events bring them back) and the same activity of every stargazer, so
    # what detection sees differently through the API is the profiles alone.
    assert c["held"]["api"]["stars"] == c["held"]["hours"]["stars"]
    assert c["held"]["api"]["activity"] == c["held"]["hours"]["activity"]
    assert a["created_together"] > 0  # the profiles were used
    assert a["recall"] >= h["recall"]
    assert a["precision"] >= h["precision"]
