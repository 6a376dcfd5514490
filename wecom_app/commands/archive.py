"""``wecom-app archive``: keys, secret, pulls, media, consent, status of the chat archive.

    wecom-app archive secret --corp ID [--file F | --env VAR]   # else read from stdin
    wecom-app archive keys add --corp ID --version N --file key.pem [--replace]
    wecom-app archive keys list --corp ID
    wecom-app archive pull --corp ID [--max-batches N] [--workers N]
    wecom-app archive status --corp ID [--json]
    wecom-app archive media --corp ID [--limit N]
    wecom-app archive retry --corp ID [--failed]
    wecom-app archive permit-users --corp ID
    wecom-app archive consent --corp ID --customer EXTERNAL_ID [--employee USERID]

Secrets and keys are read from files, the environment or stdin — never from the
command line, where ``ps`` and shell history would keep them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from wecom_app.config import ConfigError, Settings

Command = Callable[[Any, Any, argparse.Namespace], Awaitable[int]]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("archive", help="the chat archive (会话内容存档)")
    sub = parser.add_subparsers(dest="archive_command", required=True)

    secret = sub.add_parser("secret", help="store the archive secret (sealed) and enable pulls")
    where = secret.add_mutually_exclusive_group()
    where.add_argument("--file", help="read the secret from this file")
    where.add_argument("--env", help="read the secret from this environment variable")
    secret.add_argument("--disable", action="store_true", help="store it but do not pull yet")

    keys = sub.add_parser("keys", help="archive private keys, one per publickey_ver")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    add = keys_sub.add_parser("add", help="check, seal and store a private key")
    add.add_argument("--version", type=int, required=True, help="its publickey_ver")
    add.add_argument("--file", required=True, help="the PEM file (PKCS#1 or PKCS#8)")
    add.add_argument("--password-env", help="environment variable with the PEM's password")
    add.add_argument("--replace", action="store_true", help="replace a different stored key")
    keys_sub.add_parser("list", help="stored versions and fingerprints")

    pull = sub.add_parser("pull", help="pull new archive messages now, with progress")
    pull.add_argument("--max-batches", type=int, help="stop after this many batches")
    pull.add_argument("--batch-size", type=int, default=1000, help="records per call (≤1000)")
    pull.add_argument("--workers", type=int, help="decoder processes (0: in this process)")
    pull.add_argument("--quiet", action="store_true", help="no progress bar")
    pull.add_argument(
        "--progress-every",
        type=float,
        default=5.0,
        help="seconds between progress lines when stderr is not a terminal",
    )

    sub.add_parser("status", help="cursor, lag, parked and failed counts, media")
    media = sub.add_parser("media", help="download queued media now")
    media.add_argument("--limit", type=int, default=100)
    retry = sub.add_parser("retry", help="decode parked messages whose key is stored now")
    retry.add_argument("--failed", action="store_true", help="retry failed messages too")
    sub.add_parser("permit-users", help="sync employees with archiving enabled")
    consent = sub.add_parser("consent", help="a customer's consent to archiving")
    consent.add_argument("--customer", required=True, help="external_userid")
    consent.add_argument("--employee", help="ask WeCom about this employee–customer pair")

    for child in (secret, add, *keys_sub.choices.values(), *sub.choices.values()):
        if not any(a.dest == "corp" for a in child._actions):
            child.add_argument("--corp", help="the tenant's WeCom corp id")
            child.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=cmd_archive)


def cmd_archive(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"wecom-app: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(settings, args))
    except KeyboardInterrupt:
        return 130


class CommandError(Exception):
    pass


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from wecom_app.archive.runtime import close_runtime, runtime_for
    from wecom_app.archive.sources import ArchiveNotConfigured
    from wecom_app.protocol.archive.errors import PrivateKeyError
    from wecom_app.services import Services

    name = args.archive_command
    if name == "keys":
        name = f"keys-{args.keys_command}"
    decoder = None
    warming: asyncio.Task[None] | None = None
    if name == "pull":
        from wecom_app.archive.decode_pool import DecodePool, shared_pool

        decoder = shared_pool() if args.workers is None else DecodePool(args.workers)
        # Loading jieba (and starting decoder processes) takes a second or more: let it
        # overlap with migrating, connecting and the first fetch.
        warming = asyncio.create_task(decoder.warm_up())
    if settings.is_embedded:
        from wecom_app.store.migrate import migrate

        await migrate(settings.database_url)  # the embedded default needs no set-up step
    async with Services(settings, run_worker=False) as services:
        runtime = runtime_for(services)
        if decoder is not None and args.workers is not None:
            runtime.use_decoder(decoder)
        try:
            corp = await _corp(args.corp)
            return await COMMANDS[name](services, corp, args)
        except (CommandError, ArchiveNotConfigured, PrivateKeyError, ValueError) as exc:
            print(f"wecom-app archive: {exc}", file=sys.stderr)
            return 1
        finally:
            if warming is not None:
                await asyncio.gather(warming, return_exceptions=True)
            await close_runtime(services)


async def _corp(corp_id: str | None) -> Any:
    from wecom_app.store.models import Corp

    query = Corp.filter(status__in=("active", "disconnected"))
    if corp_id:
        corp = await query.filter(corp_id=corp_id).first()
        if corp is None:
            raise CommandError(f"no tenant {corp_id!r}")
        return corp
    corps = await query
    if len(corps) != 1:
        raise CommandError("name the tenant with --corp (there are several or none)")
    return corps[0]


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str) if args.json else text)


async def cmd_secret(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.keys import set_archive_secret

    if args.file:
        secret = (await asyncio.to_thread(Path(args.file).read_text)).strip()
    elif args.env:
        secret = os.environ.get(args.env, "").strip()
    else:
        secret = sys.stdin.readline().strip()
    await set_archive_secret(corp, secret, services.secrets, enabled=not args.disable)
    _out(args, {"corp": corp.corp_id, "enabled": not args.disable}, "archive secret stored")
    return 0


async def cmd_keys_add(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.keys import KeyConflict
    from wecom_app.archive.runtime import runtime_for

    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    pem = await asyncio.to_thread(Path(args.file).read_bytes)
    try:
        # Messages parked for want of this key are decoded now, not at the next job run.
        info, retried = await runtime_for(services).add_key(
            corp, args.version, pem, password=password, replace=args.replace
        )
    except KeyConflict as exc:
        raise CommandError(str(exc)) from None
    text = f"publickey_ver {info.version}: RSA-{info.bits}, fingerprint {info.fingerprint}"
    result: dict[str, Any] = {"version": info.version, "fingerprint": info.fingerprint}
    if retried is None:
        text += "\nparked messages will be decoded once the archive secret is stored"
    else:
        result["retried"] = retried.tried
        result["decoded"] = retried.ok
        if retried.tried:
            text += f"\n{retried.ok} of {retried.tried} parked messages decoded"
    _out(args, result, text)
    return 0


async def cmd_keys_list(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.keys import list_keys

    keys = await list_keys(corp, services.secrets)
    rows = [
        {"version": k.version, "bits": k.bits, "fingerprint": k.fingerprint, "added": k.created_at}
        for k in keys
    ]
    text = "\n".join(
        f"{k.version:>5}  RSA-{k.bits}  {k.fingerprint}  {k.created_at:%Y-%m-%d %H:%M}"
        if k.created_at
        else f"{k.version:>5}  RSA-{k.bits}  {k.fingerprint}"
        for k in keys
    )
    _out(args, rows, text or "no keys stored")
    return 0


class ProgressBar:
    """One line on a terminal, redrawn; a line every few seconds otherwise."""

    def __init__(self, stream: TextIO, every_s: float = 5.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every_s = every_s
        self.last = 0.0

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if not self.tty and self.last and now - self.last < self.every_s:
            return
        self.last = now
        rate = progress.stored / progress.elapsed_s if progress.elapsed_s > 0 else 0.0
        line = (
            f"seq {progress.seq:>10}  {progress.stored:>9} stored  "
            f"{progress.parked} parked  {progress.failed} failed  {rate:,.0f} msg/s"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()


async def cmd_pull(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.runtime import runtime_for

    runtime = runtime_for(services)
    bar = None if args.quiet or args.json else ProgressBar(sys.stderr, args.progress_every)
    try:
        report = await runtime.pull(
            corp, max_batches=args.max_batches, on_progress=bar, batch_size=args.batch_size
        )
    finally:
        if bar is not None:
            bar.done()
    data = {
        "corp": report.corp_id,
        "from_seq": report.started_seq,
        "seq": report.seq,
        "stored": report.stored,
        "ok": report.ok,
        "parked": report.parked,
        "failed": report.failed,
        "duplicates": report.duplicates,
        "media_queued": report.media,
        "elapsed_s": round(report.elapsed_s, 3),
        "skipped": report.skipped,
        "more": report.more,
        "error": report.error,
        "error_code": report.error_code,
    }
    rate = report.stored / report.elapsed_s if report.elapsed_s > 0 else 0.0
    text = (
        f"{report.stored} messages stored ({report.ok} ok, {report.parked} parked, "
        f"{report.failed} failed), seq {report.started_seq} → {report.seq}, "
        f"{report.elapsed_s:.1f} s ({rate:,.0f} msg/s)"
    )
    if report.skipped:
        text = "another puller holds this tenant; nothing done"
    if report.error:
        text += f"\nstopped: {report.error}"
    _out(args, data, text)
    return 1 if report.error else 0


async def cmd_status(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.status import archive_status

    status = await archive_status(corp.pk)
    lag = "-" if status.lag_s is None else f"{status.lag_s:,.0f} s"
    lines = [
        f"archive of {corp.corp_id}: {'enabled' if status.enabled else 'disabled'}, "
        f"secret {'stored' if status.configured else 'missing'}",
        f"cursor seq {status.cursor_seq}, last pull {status.last_pull_at or '-'}, lag {lag}",
        "messages: " + (", ".join(f"{k} {v}" for k, v in sorted(status.messages.items())) or "0"),
        f"keys: {status.key_versions or 'none'}",
    ]
    if status.last_error:
        lines.append(f"last error ({status.last_error_code}): {status.last_error}")
    for version, count in sorted(status.parked_by_version.items()):
        missing = " (key missing)" if version in status.missing_versions else ""
        lines.append(f"parked for publickey_ver {version}: {count}{missing}")
    for reason, count in sorted(status.failed_by_reason.items()):
        lines.append(f"failed, {reason}: {count}")
    if status.media:
        lines.append("media: " + ", ".join(f"{k} {v}" for k, v in sorted(status.media.items())))
    _out(args, status.as_dict(), "\n".join(lines))
    return 0


async def cmd_media(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.runtime import runtime_for

    report = await runtime_for(services).download_media(corp, limit=args.limit)
    if report is None:
        _out(args, {"skipped": True}, "another process is downloading this tenant's media")
        return 0
    data = {
        "done": report.done,
        "failed": report.failed,
        "too_large": report.too_large,
        "retry_later": report.retry_later,
        "bytes": report.bytes,
        "stopped": report.stopped,
    }
    text = (
        f"{report.done} done, {report.failed} failed, {report.too_large} too large, "
        f"{report.retry_later} to retry, {report.bytes:,} bytes"
    )
    if report.stopped:
        text += f"\nstopped: {report.stopped}"
    _out(args, data, text)
    return 1 if report.stopped else 0


async def cmd_retry(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.runtime import runtime_for

    report = await runtime_for(services).retry_parked(corp, failed_too=args.failed)
    data = {
        "tried": report.tried,
        "ok": report.ok,
        "parked": report.parked,
        "failed": report.failed,
        "unreadable": report.unreadable,
    }
    text = (
        f"{report.tried} tried: {report.ok} decoded, {report.parked} still parked, "
        f"{report.failed} failed, {report.unreadable} unreadable"
    )
    _out(args, data, text)
    return 0


async def cmd_permit_users(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive.consent import permit_users
    from wecom_app.archive.runtime import runtime_for

    added, removed = await runtime_for(services).sync_permit_users(corp)
    users = await permit_users(corp.pk)
    _out(
        args,
        {"added": added, "removed": removed, "users": users},
        f"{len(users)} employees archived ({added} added, {removed} removed)",
    )
    return 0


async def cmd_consent(services: Any, corp: Any, args: argparse.Namespace) -> int:
    from wecom_app.archive import consent
    from wecom_app.archive.runtime import runtime_for

    if args.employee:
        api = await runtime_for(services).msgaudit(corp)
        await consent.refresh_single(corp.pk, api, [(args.employee, args.customer)])
    found = await consent.consent_of(corp.pk, args.customer)
    rows = [{"with": c.userid, "status": c.status, "changed_at": c.changed_at} for c in found]
    text = "\n".join(
        f"{c.userid or '-':<34} {c.status:<14} "
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(c.changed_at)) if c.changed_at else '-'}"
        for c in found
    )
    _out(args, rows, text or "no consent recorded")
    return 0


COMMANDS: dict[str, Command] = {
    "secret": cmd_secret,
    "keys-add": cmd_keys_add,
    "keys-list": cmd_keys_list,
    "pull": cmd_pull,
    "status": cmd_status,
    "media": cmd_media,
    "retry": cmd_retry,
    "permit-users": cmd_permit_users,
    "consent": cmd_consent,
}
