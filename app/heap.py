"""The garbage collector around start-up.

Start-up builds about 190,000 objects (modules, catalogs, time-zone and date-parsing
data, the Application and its services) that live as long as the process. With the
collector on, each full collection during start-up scanned all that was built so far:
three or four of them, 65-270 ms each on the benchmark machine, about a third of the
start-up (B6, docs/BENCHMARKS.md). Serving, a full collection scanned them all again,
while every update and page request in flight waited (B7's p99).

So `python -m bot` pauses collection before its imports (bot/__main__.py), and once
serving, moves everything built so far out of the collector's sight (gc.freeze) and
resumes: from then on a full collection scans only what serving made, well under a
millisecond. Start-up makes almost no cyclic garbage (tens of objects per collection),
so nothing worth collecting is frozen with it.
"""

from __future__ import annotations

import gc


def pause_collection() -> None:
    gc.disable()


def resume_collection(*, freeze: bool) -> None:
    """Collect again; `freeze`: what exists now is kept out of every collection."""
    if freeze:
        gc.freeze()
    gc.enable()
