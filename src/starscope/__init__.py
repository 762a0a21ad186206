"""starscope: find fake (bought or coordinated) GitHub stars in the GH Archive event record."""
__version__ = "0.1.0"
