"""``make soak`` (``python -m tests.soak --checkouts N``): see tests/soak/run.py."""
