"""`python -m bot`: the entry point people know; the wiring lives in app/ (app/main.py)."""

import sys

from app.heap import pause_collection

# No collections while start-up builds what lives as long as the process: resumed, with
# all that frozen out of the collector's sight, once serving (app/heap.py).
pause_collection()

from app.main import main  # noqa: E402 - after the collector is paused

if __name__ == "__main__":
    sys.exit(main())
