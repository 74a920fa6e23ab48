"""Shared pieces of the benchmarks: results, percentiles, machine facts, child processes.

Nothing here is imported by the bot or the tests; benchmarks are never timed assertions
in the test suite.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "100000:EMULATOR-test-token_abcdefghijklmnopqrstu"  # emulator.testing.DEFAULT_TOKEN


@dataclass
class Row:
    """One line of the final table."""

    bench: str
    what: str
    figure: str
    baseline: str
    ratio: str
    budget: str
    ok: bool | None  # None: informational, no budget

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "MISS")


@dataclass
class Result:
    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(
        self,
        what: str,
        figure: str,
        baseline: str = "",
        ratio: str = "",
        budget: str = "",
        ok: bool | None = None,
    ) -> None:
        self.rows.append(Row(self.name, what, figure, baseline, ratio, budget, ok))

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  {text}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    return percentile(values, 99)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python process: this interpreter's, with the project
    on PYTHONPATH and no .env surprises (children run in a temp folder)."""
    env = dict(os.environ)
    path = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    env.update(extra)
    return env


def spawn(
    args: list[str], *, env: dict[str, str], cwd: Path, stdout=subprocess.DEVNULL
) -> subprocess.Popen:
    """A child Python process; its stderr goes to a file (a pipe nobody reads could fill
    up and stall the child), read back by `stop`."""
    log = open(Path(cwd) / f"stderr-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, *args], env=env, cwd=cwd, stdout=stdout, stderr=log, text=True
    )
    process.stderr_log = log  # type: ignore[attr-defined]
    return process


def stop(process: subprocess.Popen, timeout: float = 10) -> str:
    """SIGTERM (the bot's clean shutdown), then SIGKILL; returns the tail of stderr."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log = getattr(process, "stderr_log", None)
    if log is None or log.closed:
        return ""
    log.seek(0)
    err = log.read()
    log.close()
    return err[-3000:]


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class TempDir:
    """A temp folder deleted at exit (also on Ctrl-C)."""

    def __init__(self, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def bot_env(base_url: str, database: Path, **extra: str) -> dict[str, str]:
    """Settings of the bot under test, as tests/e2e.py's test_settings, for a child process."""
    return child_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base_url,
        DATABASE_PATH=str(database),
        MAIL_DIR=str(database.parent / "mail"),
        LOG_LEVEL="WARNING",
        **extra,
    )


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
