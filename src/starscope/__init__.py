"""starscope: find fake (bought or coordinated) GitHub stars in the GH Archive event record.

``from starscope import Store`` is the Python API (see starscope.api); importing the package
itself stays cheap: DuckDB and the rest load when ``Store`` is first used.
"""
__version__ = "0.1.0"
__all__ = ["Store", "__version__"]


def __getattr__(name: str):
    if name == "Store":
        from starscope.api import Store

        return Store
    raise AttributeError(f"module 'starscope' has no attribute {name!r}")
