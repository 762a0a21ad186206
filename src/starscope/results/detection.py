"""Where ``detect_store`` used to live; it is starscope.detect.store_run's now (this name
stays for code that imports it from here)."""
from starscope.detect.store_run import detect_store

__all__ = ["detect_store"]
