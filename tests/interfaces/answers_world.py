"""A small simulated store for the answer tests (check, account, report, serve), with a renamed
repository and names carrying markup, built once per test module."""
from __future__ import annotations

from pathlib import Path

from events import event, line, write_hour

MARKUP_REPO = 'evil-org/<script>alert("repo")</script>'
MARKUP_LOGIN = "<img src=x onerror=alert(1)>"
RENAMED_NEW = "renamed-org/New-Name"


def build(base: Path, seed: int = 5) -> dict:
    """Simulate 2 days, ingest, detect; rename two campaign repos (one to a name with markup)
    in an extra hour file, ingest it and detect again. Returns facts the tests use."""
    from starscope.ingest import ingest
    from starscope.results.detection import detect_store
    from starscope.simulate import simulate_world
    from starscope.store import Store

    world = base / "world"
    simulate_world(world, days=2, seed=seed, preset="easy")  # the facts below are picked on it
    store = Store(base / "store")
    ingest(store, [str(world / "archive")], workers=1)
    detect_store(store, profile="starscout")
    con = store.connect()
    camps = con.execute("SELECT repo_id, repo_name FROM results.campaigns "
                        "ORDER BY suspected DESC, repo_id").fetchall()
    clean = con.execute("SELECT repo_id, repo_name FROM repos WHERE repo_id NOT IN "
                        "(SELECT repo_id FROM results.suspected_stars) ORDER BY repo_id LIMIT 1"
                        ).fetchone()
    farm_account = con.execute("SELECT actor_login FROM results.accounts WHERE clustered "
                               "ORDER BY actor_id LIMIT 1").fetchone()[0]
    la_account = con.execute("SELECT actor_login FROM results.accounts WHERE low_activity "
                             "AND NOT clustered ORDER BY actor_id LIMIT 1").fetchone()[0]
    con.close()
    assert len(camps) >= 2, "the test world needs two campaign repos"
    (ren_id, ren_old), (mk_id, mk_old) = camps[0], camps[1]
    day = "2024-03-03T00:0{}:00Z"
    lines = [
        line(event(99_000_000_001, "PushEvent", actor_id=990_000_001, repo_id=ren_id,
                   repo_name=RENAMED_NEW, created_at=day.format(1))),
        line(event(99_000_000_002, "WatchEvent", actor_id=990_000_002, repo_id=ren_id,
                   repo_name=RENAMED_NEW, created_at=day.format(2))),
        line(event(99_000_000_003, "WatchEvent", actor_id=990_000_003, login=MARKUP_LOGIN,
                   repo_id=mk_id, repo_name=MARKUP_REPO, created_at=day.format(3))),
    ]
    write_hour(base / "extra" / "2024-03-03-0.json.gz", lines)
    ingest(store, [str(base / "extra")], workers=1)
    detect_store(store, profile="starscout")
    from consistency import check_explanations

    assert check_explanations(store)
    return {
        "store": store.root, "world": world,
        "renamed_id": ren_id, "renamed_old": ren_old, "renamed_new": RENAMED_NEW,
        "markup_id": mk_id, "markup_old": mk_old, "markup_repo": MARKUP_REPO,
        "clean_repo": clean[1], "farm_account": farm_account, "la_account": la_account,
    }
