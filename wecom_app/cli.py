"""The ``wecom-app`` command: serve, worker, migrate, inbox, demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from wecom_app.commands import inbox as inbox_commands
from wecom_app.commands import register_all
from wecom_app.commands.environment import configure_logging, load_settings
from wecom_app.runtime.wiring import listen_to_archive

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from wecom_app.config import Settings
    from wecom_app.services import Services


def freeze_after_startup(app: Starlette) -> None:
    """Once the app has started, move what startup built (modules, classes, the app, its
    services) out of the garbage collector's sight: it lives as long as the process, yet
    every full collection walked all of it — a 40 ms pause every few seconds under load
    (``bench/sidebar.py`` on PostgreSQL + Redis: p99 50 ms before, under 10 ms after)."""
    import gc

    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with started(app):
            gc.collect()
            gc.freeze()
            yield

    app.router.lifespan_context = lifespan


def serve_app() -> Starlette:
    """The app of one ``serve`` process, from the environment: the factory uvicorn calls
    in each of its worker processes (``wecom-app serve --workers N``)."""
    from wecom_app.app import create_app
    from wecom_app.services import Services

    settings = load_settings()
    configure_logging(settings)
    app = create_app(settings, Services(settings))
    freeze_after_startup(app)
    return app


def serve_refusal(settings: Settings, workers: int) -> str | None:
    """Why ``--workers`` cannot be this many here (None: it can)."""
    if workers < 1:
        return "--workers must be at least 1"
    if workers > 1 and settings.is_embedded:
        return "--workers > 1 needs PostgreSQL (SQLite is one writer, one process)"
    if workers > 1 and settings.single_process:
        return "--workers > 1 contradicts SINGLE_PROCESS=1 (set REDIS_URL instead)"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from wecom_app.store.migrate import migrate

    if args.no_worker:
        os.environ["INBOX_WORKER"] = "off"  # read by every serve process (serve_app)
    settings = load_settings()
    refusal = serve_refusal(settings, args.workers)
    if refusal is not None:
        print(f"wecom-app serve: {refusal}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if settings.is_embedded:
        # The embedded default needs nothing from a newcomer: migrate on start.
        asyncio.run(migrate(settings.database_url))
    # No access log: request lines carry signatures and OAuth codes in query strings.
    options: dict[str, Any] = {"access_log": False, "log_level": "warning"}
    if args.workers == 1:
        uvicorn.run(serve_app(), host=args.host, port=args.port, **options)
    else:
        target = "wecom_app.cli:serve_app"
        uvicorn.run(
            target, factory=True, workers=args.workers, host=args.host, port=args.port, **options
        )
    return 0


def worker_services(settings: Settings, *, burst: bool) -> Services:
    """A ``wecom-app worker`` process's services: it runs its own inbox worker (below)
    and the scheduled jobs — unless in burst mode (apply what is due, then exit)."""
    from wecom_app.services import Services

    return Services(settings, run_worker=False, run_jobs=not burst)


def cmd_worker(args: argparse.Namespace) -> int:
    from wecom_app.runtime import Runtime

    settings = load_settings()
    configure_logging(settings)

    async def run() -> int:
        async with Runtime(worker_services(settings, burst=args.burst)) as runtime:
            worker = runtime.build_worker()
            if args.burst:
                count = await worker.drain()
                print(f"applied {count} inbox events")
                return 0
            await worker.run_forever()
        return 0

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from wecom_app.store.migrate import migrate

    settings = load_settings()
    applied = asyncio.run(migrate(settings.database_url))
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from wecom_app.demo.run import run_demo

    return asyncio.run(run_demo(args.host, args.port))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wecom-app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the app (callbacks, consoles, sidebar)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not apply inbox events or run scheduled jobs here",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="serve processes (uvicorn workers; PostgreSQL + Redis when more than 1)",
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker", help="apply inbox events and run the scheduled jobs (run several on PostgreSQL)"
    )
    worker.add_argument("--burst", action="store_true", help="apply what is due, then exit")
    worker.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    inbox_commands.register(sub)

    demo = sub.add_parser("demo", help="run the product against the built-in WeCom simulator")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    register_all(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    listen_to_archive()  # the worker and the archive commands pull too (issue 12)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
