import sys
from pathlib import Path

# The shared test world of the answer tests lives beside the interface tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "interfaces"))
