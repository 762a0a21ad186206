"""Detection: signatures of fake stars (low-activity accounts, lockstep farms) and campaigns.

Entry points: :func:`run_detection` over a connection, :func:`detect_store` over a store
(see docs/detection.md); profiles are registered by name in :mod:`.profiles`.
"""
from .params import Params
from .profiles import PROFILES, Profile, register
from .run import RESULT_TABLES, run_detection

__all__ = ["Params", "PROFILES", "Profile", "RESULT_TABLES", "detect_store", "register",
           "run_detection"]


def __getattr__(name: str):
    if name == "detect_store":  # imported on use: it needs the store and the engines
        from .store_run import detect_store

        return detect_store
    raise AttributeError(f"module 'starscope.detect' has no attribute {name!r}")
