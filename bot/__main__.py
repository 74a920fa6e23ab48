"""`python -m bot`: the entry point people know; the wiring lives in app/ (app/main.py)."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
