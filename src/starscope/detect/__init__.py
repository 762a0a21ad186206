"""Detection: signatures of fake stars (low-activity accounts, lockstep farms) and campaigns.

Entry point: :func:`run_detection` (see docs/detection.md).
"""
from .params import Params
from .run import PROFILES, RESULT_TABLES, run_detection

__all__ = ["Params", "PROFILES", "RESULT_TABLES", "run_detection"]
