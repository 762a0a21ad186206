"""Detection profiles, registered by name.

A profile is what the shared stages (stars, low-activity, lockstep, campaigns, results) do not
fix: its own signals and their parameter class, how a suspected star's score and signal rows
are made, which farms a star is said to belong to, and whether slow campaigns are found.
A new profile is a ``Profile`` passed to :func:`register`; ``--profile``, ``--set`` and
``--config`` reach it by name (its parameter class's fields, parsed by their types).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starscope.errors import UsageError

from . import default_profile


@dataclass(frozen=True)
class Profile:
    name: str
    #: its own thresholds (a frozen dataclass; None: the shared Params only)
    params_class: type | None
    #: (actor_id, repo_id, score, reasons) of each suspected star (SQL over the stage tables)
    score_sql: str
    #: (actor_id, repo_id, signal): the signals each suspected star has
    signal_rows_sql: str
    #: (actor_id, repo_id, farm_id): the farms each suspected star is said to belong to
    star_farm_rows_sql: str
    #: runs after the lockstep stage: fn(con, own params)
    signals: Callable[[Any, Any], None] | None = None
    #: whether repos below the monthly campaign rule can be slow campaigns
    slow_campaigns: bool = False

    def own_params(self, given: Any = None) -> Any:
        """The profile's parameters: the given ones, else its class's defaults."""
        if self.params_class is None:
            return None
        return given if given is not None else self.params_class()


PROFILES: dict[str, Profile] = {}


def register(profile: Profile) -> Profile:
    PROFILES[profile.name] = profile
    return profile


def get(name: str) -> Profile:
    if name not in PROFILES:
        raise UsageError(f"unknown detection profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


register(Profile(
    name="starscout",
    params_class=None,
    score_sql="""SELECT CAST(NULL AS BIGINT) AS actor_id,
        CAST(NULL AS BIGINT) AS repo_id, CAST(NULL AS DOUBLE) AS score,
        CAST(NULL AS VARCHAR) AS reasons WHERE false""",
    signal_rows_sql="""
        SELECT DISTINCT actor_id, repo_id, 'low-activity' AS signal FROM _det_la_stars
        UNION ALL
        SELECT DISTINCT actor_id, repo_id, 'lockstep' AS signal FROM _det_ls_edges""",
    # the lockstep farms whose clustered stars it is
    star_farm_rows_sql="SELECT DISTINCT actor_id, repo_id, farm_id FROM _det_ls_farm_edges",
))

register(Profile(
    name="default",
    params_class=default_profile.DefaultParams,
    score_sql="SELECT actor_id, repo_id, score, reasons FROM _det_default_susp",
    signal_rows_sql="""
        SELECT g.actor_id, g.repo_id, g.signal FROM _det_default_sig g
        JOIN _det_default_susp d ON d.actor_id = g.actor_id AND d.repo_id = g.repo_id""",
    # the farms its reasons cite (a kept lockstep farm, or the farm-reach of a farm's
    # accounts), so ``farm_ids`` and ``reasons`` never disagree
    star_farm_rows_sql="""
        WITH cand AS (
            SELECT DISTINCT e.actor_id, e.farm_id FROM _det_ls_farm_edges e
            WHERE e.actor_id IN (SELECT actor_id FROM _det_score))
        SELECT sc.actor_id, sc.repo_id, c.farm_id
        FROM _det_score sc JOIN cand c ON c.actor_id = sc.actor_id
        WHERE sc.reasons LIKE '%farm F' || CAST(c.farm_id AS VARCHAR) || ' (%'""",
    signals=default_profile.run,
    slow_campaigns=True,
))
