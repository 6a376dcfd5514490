"""Chat-archive ingest, end to end, against raw single-core RSA on the same keys, same run.

A simulator process (``--serve``, started by this script) generates 100,000 realistic
Chinese messages, encrypts every record as WeCom does (an RSA-2048 PKCS#1 v1.5 random
key per message) *before* the clock starts, and serves them over HTTP like GetChatData.
WeCom's servers are not ours to measure, and its memory is not ours either, so it lives
in its own process.

This process then pulls all of them with the product's puller — fetch, RSA, DecryptData,
JSON, normalise, jieba, store (messages + media queue + recalls + consent + cursor, one
transaction per batch) and the search index (``on_messages_stored``, the listener the
root registers with the archive) — and, in the same
run, times raw RSA decryption of the same records' random keys in one thread (before
and after the ingest; the mean is the baseline, as other work on this shared 2-core
machine shifts both).

    python bench/archive.py [--messages 100000] [--workers 2] [--threads] [--database URL]

Last line: ``RESULT archive ratio=<ingest/raw-rsa> msgs_per_s=<x> peak_rss_mb=<m>``
(peak RSS: this process plus its decoder processes, each at its peak).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORP_ID = "wwbencharchive01"
SECRET = "bench-archive-secret"
RSA_SAMPLE = 4000


# --------------------------------------------------------------- simulator process


def serve(args: argparse.Namespace) -> None:
    import uvicorn
    from cryptography.hazmat.primitives import serialization

    from wecom_app.simulator.archive import SimArchive
    from wecom_app.simulator.archive_gen import generate_archive
    from wecom_app.simulator.archive_http import create_archive_app

    started = time.perf_counter()
    sim = SimArchive()
    org = sim.add_org(CORP_ID, SECRET)
    org.add_key(2)
    generate_archive(seed=2026, count=args.messages, corp_id=CORP_ID).load_into(
        org, key_versions=[1, 2]
    )
    seq = 0
    while records := org.chat_data(seq, 1000):  # encrypt everything now
        seq = int(records[-1]["seq"])
    keys = {
        str(version): key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        for version, key in org.private_keys.items()
    }
    Path(args.keys_out).write_text(json.dumps(keys))
    print(f"READY {time.perf_counter() - started:.1f}", flush=True)
    uvicorn.run(
        create_archive_app(sim),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_simulator(messages: int, workdir: Path) -> tuple[subprocess.Popen[str], str, Path]:
    port = free_port()
    keys = workdir / "keys.json"
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--messages",
            str(messages),
            "--port",
            str(port),
            "--keys-out",
            str(keys),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY"):
        process.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(url + "/finance/chatdata", json={}, timeout=1.0)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    print(f"simulator: {messages} messages generated and encrypted in {line.split()[1]} s")
    return process, url, keys


# ------------------------------------------------------------------------- ingest


def rss_mb(pid: int | None = None) -> float:
    """Peak resident set (VmHWM) of a process, MB."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_rsa_rate(keys: dict[int, Any], sample: Sequence[tuple[int, bytes]]) -> float:
    """RSA-2048 PKCS#1 v1.5 decryptions per second, one thread, no other work."""
    from cryptography.hazmat.primitives.asymmetric import padding

    pad = padding.PKCS1v15()
    started = time.perf_counter()
    for version, ciphertext in sample:
        keys[version].decrypt(ciphertext, pad)
    return len(sample) / (time.perf_counter() - started)


def _rsa_worker(pems: dict[int, str], sample: Sequence[tuple[int, bytes]]) -> float:
    from cryptography.hazmat.primitives import serialization

    keys = {
        v: serialization.load_pem_private_key(p.encode(), password=None) for v, p in pems.items()
    }
    return raw_rsa_rate(keys, sample)


def all_cores_rsa_rate(pems: dict[int, str], sample: Sequence[tuple[int, bytes]]) -> float:
    """Raw RSA on every core at once (one process each), decryptions per second in all.

    Not the baseline: a diagnostic. One busy core may run faster than two (the host
    boosts a lone core), so this is the ceiling RSA alone would allow the ingest.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_rsa_worker, [pems] * cores, [sample[:50]] * cores))  # start-up
        return sum(pool.map(_rsa_worker, [pems] * cores, [sample] * cores))


async def ingest(
    args: argparse.Namespace, url: str, keys_path: Path, workdir: Path, simulator_pid: int
) -> None:
    import httpx
    from cryptography.hazmat.primitives import serialization

    from wecom_app.archive.decode_pool import DecodePool
    from wecom_app.archive.keys import add_key, set_archive_secret
    from wecom_app.archive.pull_report import PullProgress
    from wecom_app.archive.puller import Puller
    from wecom_app.archive.sim_source import SimulatorArchiveSource
    from wecom_app.kv import MemoryKV
    from wecom_app.search.ingest import on_messages_stored
    from wecom_app.secretbox import SecretBox
    from wecom_app.store.archive import ArchiveMedia, ArchiveMessage
    from wecom_app.store.db import close_db, init_db
    from wecom_app.store.migrate import migrate
    from wecom_app.store.models import Corp

    database_url = args.database or f"sqlite://{workdir / 'bench.sqlite3'}"
    await migrate(database_url)
    await init_db(database_url)
    box = SecretBox("bench-secret-key-" + "x" * 32)
    corp = await Corp.create(corp_id=CORP_ID, mode="self_built")
    await set_archive_secret(corp, SECRET, box)
    keys_text = await asyncio.to_thread(keys_path.read_text)
    pems = {int(v): pem for v, pem in json.loads(keys_text).items()}
    for version, pem in pems.items():
        await add_key(corp, version, pem, box)
    private = {
        v: serialization.load_pem_private_key(p.encode(), password=None) for v, p in pems.items()
    }

    # The baseline's input: the same records' encrypted random keys, as served.
    sample: list[tuple[int, bytes]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        seq = 0
        while len(sample) < RSA_SAMPLE:
            body = {"corpid": CORP_ID, "secret": SECRET, "seq": seq, "limit": 1000}
            records = (await http.post("/finance/chatdata", json=body)).json()["chatdata"]
            if not records:
                break
            sample += [
                (r["publickey_ver"], base64.b64decode(r["encrypt_random_key"])) for r in records
            ]
            seq = records[-1]["seq"]
    rsa_before = raw_rsa_rate(private, sample)
    print(f"raw RSA (one thread), before: {rsa_before:,.0f} decryptions/s")
    ceiling_before = await asyncio.to_thread(all_cores_rsa_rate, pems, sample)

    hook = on_messages_stored  # what the composition root registers with the archive
    hook_seconds = 0.0

    async def timed_hook(corp_pk: int, messages: Any) -> None:
        nonlocal hook_seconds
        started = time.perf_counter()
        if hook is not None and not args.no_index:
            await hook(corp_pk, messages)
        hook_seconds += time.perf_counter() - started

    decoder = DecodePool(args.workers, threads=args.threads)
    await decoder.warm_up()  # process start-up and jieba are not per-message costs
    source = SimulatorArchiveSource(url, CORP_ID, SECRET, timeout_s=120)
    last = [0.0]

    def progress(p: PullProgress) -> None:
        if p.elapsed_s - last[0] >= 5:
            last[0] = p.elapsed_s
            print(f"  {p.stored:>7} stored, {p.stored / p.elapsed_s:,.0f} msg/s", flush=True)

    puller = Puller(
        corp,
        source,
        box=box,
        kv=MemoryKV(),
        decoder=decoder,
        media_max_bytes=200 * 1024 * 1024,
        on_progress=progress,
        hook=timed_hook,
    )
    others = [*decoder.worker_pids(), simulator_pid]
    others_before = [cpu_seconds(pid) for pid in others]
    cpu_before = time.process_time()
    started = time.perf_counter()
    report = await puller.pull()
    elapsed = time.perf_counter() - started
    main_cpu = time.process_time() - cpu_before
    others_cpu = [
        cpu_seconds(pid) - before for pid, before in zip(others, others_before, strict=True)
    ]
    await source.close()
    worker_peaks = [rss_mb(pid) for pid in decoder.worker_pids()]
    decoder.close()

    rsa_after = raw_rsa_rate(private, sample)
    print(f"raw RSA (one thread), after:  {rsa_after:,.0f} decryptions/s")
    ceiling = (ceiling_before + await asyncio.to_thread(all_cores_rsa_rate, pems, sample)) / 2
    rsa = (rsa_before + rsa_after) / 2
    stored = await ArchiveMessage.filter(corp_id=corp.pk, status="ok").count()
    media = await ArchiveMedia.filter(corp_id=corp.pk).count()
    await close_db()
    assert report.error == "", report.error
    assert stored == args.messages == report.ok, (stored, report)

    rate = report.ok / elapsed
    main_peak = rss_mb()
    peak = main_peak + sum(worker_peaks)
    mode = "threads" if args.threads else "processes"
    print(
        f"ingest: {report.ok:,} messages ({media:,} media queued) in {elapsed:.1f} s "
        f"= {rate:,.0f} msg/s with {args.workers} decoder {mode}, "
        f"{'SQLite' if database_url.startswith('sqlite') else 'PostgreSQL'}"
        f"{', NO search index' if args.no_index else ''}"
    )
    print(
        f"  this process: {main_cpu / report.ok * 1e6:.0f} µs CPU per message; "
        f"waited {report.wait_s:.1f} s for fetch+decode, stored {report.store_s:.1f} s "
        f"(of which the search index hook {hook_seconds:.1f} s)"
    )
    per_message = [seconds / report.ok * 1e6 for seconds in (main_cpu, *others_cpu)]
    print(
        f"  CPU per message: {per_message[0]:.0f} µs here + "
        f"{' + '.join(f'{us:.0f}' for us in per_message[1:-1]) or '0'} µs decoders + "
        f"{per_message[-1]:.0f} µs simulator = {sum(per_message):.0f} µs "
        f"(the machine has {(os.cpu_count() or 1) * elapsed / report.ok * 1e6:.0f} µs of cores "
        "per message at this rate)"
    )
    print(
        f"peak RSS: {main_peak:.0f} MB here + "
        f"{' + '.join(f'{w:.0f}' for w in worker_peaks) or '0'} MB decoders = {peak:.0f} MB"
    )
    print(
        f"raw RSA on all {os.cpu_count()} cores at once: {ceiling:,.0f} decryptions/s "
        f"({ceiling / rsa:.2f}x one core alone); ingest reaches {rate / ceiling:.0%} of it"
    )
    print(f"ratio ingest / raw single-core RSA: {rate / rsa:.2f}")
    print(f"RESULT archive ratio={rate / rsa:.2f} msgs_per_s={rate:.0f} peak_rss_mb={peak:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", action="store_true", help="decode in threads instead")
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="skip the search index hook (a breakdown figure, not the end-to-end one)",
    )
    parser.add_argument("--database", help="DATABASE_URL (default: a temporary SQLite file)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keys-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    print(f"bench/archive.py {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        workdir = Path(tmp)
        process, url, keys = start_simulator(args.messages, workdir)
        try:
            asyncio.run(ingest(args, url, keys, workdir, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
