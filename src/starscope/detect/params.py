"""Every threshold of the detection run, in one frozen dataclass.

Defaults are the StarScout study's (see docs/detection.md). Load overrides from a TOML or JSON
file (flat keys, or the same keys under a ``[detect]`` table) and/or keyword arguments::

    Params()                                   # StarScout's numbers
    Params.load("my.toml", lockstep_n=2)       # file, then keyword overrides
    Params().replace(lockstep_n=2, lockstep_m=2)
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from starscope.errors import UsageError


@dataclass(frozen=True)
class Params:
    # Low-activity signature: an account's stars are kept only on repos with at least this
    # many distinct low-activity stargazers.
    low_activity_min_stargazers: int = 50
    # Lockstep signature (CopyCatch, map/reduce form).
    lockstep_delta_t_days: float = 15.0  # |t - center| <= delta_t (inclusive)
    lockstep_n: int = 50  # min users of a cluster; min stars of a seed repo in the window
    lockstep_m: int = 10  # cluster size (repos)
    lockstep_rho: float = 0.5  # fraction of the cluster a user must have starred in time
    lockstep_top_keep_factor: int = 20  # the top factor*m repos of a reduce keep a center
    lockstep_max_iter: int = 10
    lockstep_window_months: int = 6
    lockstep_window_step_months: int = 3
    # Campaigns.
    campaign_month_min_suspected: int = 50
    campaign_month_min_share: float = 0.5
    campaign_repo_min_share: float = 0.10

    # ---- derived values used by the SQL -------------------------------------------------
    @property
    def delta_t_seconds(self) -> int:
        """Δt in whole seconds (GH Archive times have second resolution)."""
        return int(round(self.lockstep_delta_t_days * 86400))

    @property
    def top_keep(self) -> int:
        return self.lockstep_top_keep_factor * self.lockstep_m

    def __post_init__(self) -> None:
        """Types (check_types), then each threshold's range."""
        check_types(self, "detection parameter")
        positive = [
            "lockstep_n", "lockstep_m", "lockstep_top_keep_factor", "lockstep_max_iter",
            "lockstep_window_months", "lockstep_window_step_months", "lockstep_rho",
        ]
        for name in positive:
            if getattr(self, name) <= 0:
                raise UsageError(f"detection parameter {name} must be > 0")
        for name in ("lockstep_delta_t_days", "low_activity_min_stargazers",
                     "campaign_month_min_suspected", "campaign_month_min_share",
                     "campaign_repo_min_share"):
            if getattr(self, name) < 0:
                raise UsageError(f"detection parameter {name} must be >= 0")

    # ---- construction -------------------------------------------------------------------
    def replace(self, **overrides: Any) -> "Params":
        _check_names(overrides)
        return dataclasses.replace(self, **overrides)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], **overrides: Any) -> "Params":
        if "detect" in data and isinstance(data["detect"], Mapping):
            data = data["detect"]
        merged = {**dict(data), **overrides}
        _check_names(merged)
        return cls(**merged)

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> "Params":
        """Read a .toml or .json file (None: defaults only), then apply keyword overrides."""
        if path is None:
            return cls.from_mapping({}, **overrides)
        data = _parse_file(Path(path))
        return cls.from_mapping(data, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_types(params: Any, what: str) -> None:
    """Each field of a frozen parameter dataclass as its type: an int field an integer (not a
    bool), any other a finite number, stored as float. ``what`` starts the error message."""
    for f in fields(params):
        v = getattr(params, f.name)
        if f.type in ("int", int):
            if isinstance(v, bool) or not isinstance(v, int):
                raise UsageError(f"{what} {f.name} must be an integer, got {v!r}")
        else:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise UsageError(f"{what} {f.name} must be a number, got {v!r}")
            object.__setattr__(params, f.name, float(v))


def _check_names(d: Mapping[str, Any]) -> None:
    known = {f.name for f in fields(Params)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise UsageError(
            f"unknown detection parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )


def _field_types(cls: type) -> dict[str, str]:
    return {f.name: (f.type if isinstance(f.type, str) else f.type.__name__)
            for f in fields(cls)}


def parse_value(name: str, text: str, kind: str) -> Any:
    """A command-line value (text) as the parameter's type (its dataclass field's)."""
    t = text.strip()
    try:
        if kind == "int":
            return int(t)
        if kind == "float":
            v = float(t)
            if not math.isfinite(v):
                raise ValueError
            return v
        if kind == "bool":
            if t.lower() in ("true", "1", "yes"):
                return True
            if t.lower() in ("false", "0", "no"):
                return False
            raise ValueError
    except ValueError:
        pass
    else:
        return t
    what = {"int": "an integer", "float": "a number", "bool": "true or false"}.get(kind, kind)
    raise UsageError(f"--set {name}={text}: expected {what}")


def load_detection_params(path: str | Path | None = None,
                          overrides: Mapping[str, Any] | None = None) -> tuple["Params", Any]:
    """(Params, DefaultParams) from a TOML/JSON file (flat keys of either, or under
    ``[detect]``) and ``--set NAME=VALUE`` texts, each parsed by its field's type. Both
    profiles' parameters are settable (each registered profile's parameter class, by name);
    unknown names are one error listing the known ones."""
    from .default_profile import DefaultParams
    from .profiles import PROFILES

    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        data = dict(_read(p))
    kinds: dict[str, str] = {}
    for prof in PROFILES.values():
        if prof.params_class is not None:
            kinds.update(_field_types(prof.params_class))
    kinds.update(_field_types(Params))
    for name, text in (overrides or {}).items():
        if name not in kinds:
            data[name] = text  # reported as unknown below, with the others
        elif isinstance(text, str):
            data[name] = parse_value(name, text, kinds[name])
        else:  # a typed value (the Python API's settings): checked by the dataclass
            data[name] = text
    ours = {f.name for f in fields(Params)}
    theirs = set(kinds) - ours
    unknown = sorted(set(data) - ours - theirs)
    if unknown:
        raise UsageError(
            f"unknown detection parameter(s): {', '.join(unknown)}; known: "
            f"{', '.join(sorted(ours | theirs))}")
    try:
        params = Params(**{k: v for k, v in data.items() if k in ours})
        default = DefaultParams(**{k: v for k, v in data.items() if k in theirs})
    except TypeError as exc:
        raise UsageError(f"bad detection parameters: {exc}") from None
    return params, default


def _parse_file(p: Path) -> Mapping[str, Any]:
    """A .json or .toml file of parameters as a mapping (one-line errors)."""
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot read detection parameters {p}: {e.strerror}") from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10: the tomli backport (a dependency there)
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
    except ValueError as e:
        raise UsageError(f"cannot parse detection parameters {p}: {e}") from None
    if not isinstance(data, Mapping):
        raise UsageError(f"detection parameters {p} must be a table/object")
    return data


def _read(p: Path) -> Mapping[str, Any]:
    """Both profiles' parameters: a file's own mapping, or its [detect] table."""
    data = _parse_file(p)
    if "detect" in data and isinstance(data["detect"], Mapping):
        data = data["detect"]
    return data
