"""A small simulated store for the answer tests (check, account, report, serve), with a renamed
repository and names carrying markup, built once per test module."""
from __future__ import annotations

from pathlib import Path

from events import event, line, write_hour

MARKUP_REPO = 'evil-org/<script>alert("repo")</script>'
MARKUP_LOGIN = "<img src=x onerror=alert(1)>"
RENAMED_NEW = "renamed-org/New-Name"


# seed -> (the folder it was built in, its facts): built once per test process.
_BUILT: dict[int, tuple[Path, dict]] = {}


def build(base: Path, seed: int = 5) -> dict:
    """The world of `_build` in `base`, for one test module: six modules use the same one,
    and a module may change its store, so the first call builds it in a folder no module
    gets (next to `base`, under pytest's temp folder) and every call copies it (the same
    files a build makes: ingest and detection are deterministic; the copy's file records
    name the first build's input paths, which nothing reads). A copy costs ~0.1 s, a build
    several seconds of CPU."""
    import shutil

    if seed not in _BUILT:
        pristine = base.parent / f"answers-world-{seed}"
        pristine.mkdir()
        _BUILT[seed] = (pristine, _build(pristine, seed))
    pristine, facts = _BUILT[seed]
    base.mkdir(parents=True, exist_ok=True)
    for name in ("world", "store", "extra"):
        shutil.copytree(pristine / name, base / name)
    return {**facts, "store": base / "store", "world": base / "world"}


def _build(base: Path, seed: int) -> dict:
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
