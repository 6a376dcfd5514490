"""The app with the sidebar's routes tried first, for ``bench/sidebar.py``.

Starlette tries routes in order and ``create_app`` lists the sidebar after the
callbacks, health and console routes, so a sidebar request first fails dozens of route
patterns. This launcher builds the app exactly as ``wecom-app serve`` does, moves the
sidebar's routes to the front, and serves it with one uvicorn worker: the difference
to the plain app is what that ordering costs per request.

    python bench/sidebar_app.py --port 8000     (environment as for wecom-app serve)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn

from wecom_app.app import create_app
from wecom_app.cli import freeze_after_startup
from wecom_app.config import Settings
from wecom_app.services import Services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings.from_env()
    app = create_app(settings, Services(settings, run_worker=False))
    routes = app.router.routes
    ours = [r for r in routes if str(getattr(r, "path", "")).startswith(("/sidebar", "/WW_verify"))]
    app.router.routes = ours + [r for r in routes if r not in ours]
    freeze_after_startup(app)  # as wecom-app serve does
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
