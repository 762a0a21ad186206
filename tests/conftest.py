import sys
from pathlib import Path

# Test helper modules (events.py) live beside this file.
sys.path.insert(0, str(Path(__file__).parent))
