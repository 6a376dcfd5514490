"""``wecom-app sync --corp ID [--full] [--force]``: run a corp's full sync here, with a
progress bar that also reads well in CI logs (plain lines when not on a terminal).

Without ``--full`` an unfinished run (paused, failed, or left by a crash) resumes where
it stopped; otherwise a new run starts. ``--full`` always starts from the beginning.
``--force`` takes over a run another process seems to hold (after a crash, before its
heartbeat goes stale).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TextIO

from wecom_app.config import Settings
from wecom_app.sync.state import STAGES, SyncProgress

BAR_WIDTH = 24
# Off a terminal, print a line at most this often (and at every stage change).
LOG_EVERY_S = 2.0


class ProgressPrinter:
    """``[#####-------]  41%  customers 3/8  relations 12,345  calls 140``."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._last_stage = ""
        self._last_line_at = 0.0

    def __call__(self, progress: SyncProgress) -> None:
        now = time.monotonic()
        stage_changed = progress.stage != self._last_stage
        if not self.tty and not stage_changed and now - self._last_line_at < LOG_EVERY_S:
            return
        self._last_stage = progress.stage
        self._last_line_at = now
        line = self.line(progress)
        if self.tty:
            self.stream.write("\r" + line.ljust(100))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    @staticmethod
    def line(progress: SyncProgress) -> str:
        filled = round(progress.fraction * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        step = f" {progress.done}/{progress.total}" if progress.total else ""
        counts = "  ".join(f"{name} {value:,}" for name, value in progress.counts.items() if value)
        stage = f"{progress.stage_index + 1}/{len(STAGES)} {progress.stage}{step}"
        return f"[{bar}] {progress.fraction:4.0%}  {stage}  {counts}  calls {progress.calls:,}"

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def cmd_sync(args: argparse.Namespace) -> int:
    from wecom_app.commands.environment import configure_logging, load_settings

    settings = load_settings()
    configure_logging(settings)
    return asyncio.run(_run(settings, args.corp, full=args.full, force=args.force))


async def _run(settings: Settings, corp_id: str, *, full: bool, force: bool) -> int:
    from wecom_app.services import Services
    from wecom_app.store.migrate import migrate
    from wecom_app.sync import SyncBusy, run_sync
    from wecom_app.wecom_access import NoAccess

    if settings.is_embedded:
        await migrate(settings.database_url)
    printer = ProgressPrinter(sys.stdout)
    async with Services(settings, run_worker=False) as services:
        started = time.monotonic()
        try:
            run = await run_sync(
                services, corp_id, full=full, force=force, progress=printer, reason="cli"
            )
        except SyncBusy as exc:
            print(f"wecom-app sync: {exc}", file=sys.stderr)
            return 3
        except NoAccess as exc:
            print(f"wecom-app sync: {exc}", file=sys.stderr)
            return 2
        finally:
            printer.finish()
        elapsed = time.monotonic() - started
        counts = ", ".join(f"{k} {v:,}" for k, v in run.counts.items())
        print(f"sync run {run.id} of {corp_id}: {run.status} in {elapsed:.1f} s ({counts})")
        if run.error:
            print(f"  {run.error}", file=sys.stderr)
        if run.status == "paused":
            print("  paused: `wecom-app sync --corp ID` (or the job) resumes it", file=sys.stderr)
        return 0 if run.status == "done" else 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sync", help="run (or resume) the full sync of a tenant's directory and customers"
    )
    parser.add_argument("--corp", required=True, help="the tenant's corp id")
    parser.add_argument(
        "--full", action="store_true", help="start from the beginning (drop an unfinished run)"
    )
    parser.add_argument(
        "--force", action="store_true", help="take over a run another process seems to hold"
    )
    parser.set_defaults(func=cmd_sync)
