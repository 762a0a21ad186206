"""The store: Parquet tables on disk, listed by an atomically replaced manifest.

Readers take a ``Snapshot`` (``Store.snapshot()``) of one committed manifest and open it with
``Store.connect(snapshot)``; nothing outside this package reads the manifest or spells paths.
"""
from starscope.store.snapshot import Snapshot
from starscope.store.store import Store, StoreBusy, StoreWriter, default_store_path, status

__all__ = ["Snapshot", "Store", "StoreBusy", "StoreWriter", "default_store_path", "status"]
