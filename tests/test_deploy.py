"""deploy/conference-bot.service is a unit systemd accepts as written (checked by
`systemd-analyze verify` where systemd is installed), and it keeps what production needs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "conference-bot.service"
INSTALLED_PYTHON = "/opt/conference-bot/.venv/bin/python"


def test_the_unit_restarts_always_reads_an_env_file_and_runs_as_its_own_user():
    lines = {line.strip() for line in UNIT.read_text().splitlines()}
    for wanted in (
        "Restart=always",
        "EnvironmentFile=/etc/conference-bot/env",
        "User=conference-bot",
        f"ExecStart={INSTALLED_PYTHON} -m bot",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=conference-bot",
    ):
        assert wanted in lines, wanted


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path: Path):
    # verify checks that ExecStart's program exists: point it at this interpreter, as the
    # installed virtual environment's would be; everything else is checked as shipped.
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace(INSTALLED_PYTHON, sys.executable))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    said = [line for line in (result.stdout + result.stderr).splitlines() if UNIT.name in line]
    assert result.returncode == 0 and not said, result.stdout + result.stderr
