"""``voice demo``: the demo campaign (loader.py) and its fictional content."""
