"""``wecom-app sync --corp ID``: a progress bar fit for CI logs, resume after a pause."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import TEST_CORP_ID, FakeClock, make_settings
from tests.support.sync import BATCH_PATH
from tests.support.world import make_sim
from wecom_app.cli import build_parser
from wecom_app.commands.sync import ProgressPrinter, _run
from wecom_app.config import Settings
from wecom_app.simulator.api import create_simulator_app
from wecom_app.simulator.simulator import Simulator
from wecom_app.sync import SyncProgress


@asynccontextmanager
async def served(sim: Simulator) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_simulator_app(sim), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def command(settings: Settings) -> int:
    """One ``wecom-app sync --corp`` invocation, in its own event loop and context as
    in its own process (aerich's migration state is per context)."""

    def invoke() -> int:
        return asyncio.run(_run(settings, TEST_CORP_ID, full=False, force=False))

    return await asyncio.get_running_loop().run_in_executor(None, invoke)


def test_the_command_is_registered() -> None:
    args = build_parser().parse_args(["sync", "--corp", "wwx", "--full"])
    assert (args.corp, args.full, args.force) == ("wwx", True, False)


def test_progress_lines_off_a_terminal_are_plain_and_sparse() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False)
    for done in range(1, 50):
        printer(SyncProgress(TEST_CORP_ID, 1, "customers", 3, done, 50, {"relations": done}, done))
    printer(SyncProgress(TEST_CORP_ID, 1, "group_chats", 4, 1, 10, {"relations": 49}, 60))
    lines = out.getvalue().splitlines()
    # One line per stage change (and at most one every 2 s), no carriage returns.
    assert len(lines) == 2
    assert "\r" not in out.getvalue()
    assert lines[0].startswith("[")
    assert "customers 1/50" in lines[0]
    assert "group_chats 1/10" in lines[1]
    assert "calls 60" in lines[1]


async def test_sync_command_runs_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    sim, org, _ = make_sim(clock, customers=400, employees=15)
    sim.limits.per_path_per_minute[BATCH_PATH] = 2
    async with served(sim) as url:
        settings = make_settings(
            tmp_path,
            f"sqlite://{tmp_path / 'cli.sqlite3'}",
            WECOM_API_BASE=url,
            REDIS_URL="",
        )
        # The per-minute limit stops it: paused, told how to resume, exit code 1.
        assert await command(settings) == 1
        first = capsys.readouterr()
        assert "paused" in first.out
        assert "45009" in first.err
        assert "customers" in first.out

        clock.advance(61)
        sim.limits.per_path_per_minute.clear()
        assert await command(settings) == 0
        second = capsys.readouterr()
        assert ": done in" in second.out
        relations = sum(len(by) for by in org.follows_by_user.values())
        assert f"relations {relations:,}" in second.out
        assert "100%" in second.out
