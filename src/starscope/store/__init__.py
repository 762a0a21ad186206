"""The store: Parquet tables on disk, listed by an atomically replaced manifest."""
from starscope.store.store import Store, StoreBusy, StoreWriter, default_store_path

__all__ = ["Store", "StoreBusy", "StoreWriter", "default_store_path"]
