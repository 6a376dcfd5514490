"""``wecom-app`` subcommands, one module per feature, each with ``register(subparsers)``.

A command's handler takes the parsed ``argparse.Namespace`` and returns an exit code.
"""

from __future__ import annotations

import argparse


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from wecom_app.commands import archive, audit, search, simulator, sync, transfer

    for module in (sync, archive, search, audit, transfer, simulator):
        module.register(subparsers)
