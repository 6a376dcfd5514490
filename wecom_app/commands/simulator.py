"""``wecom-app simulator …``: the simulated WeCom's operator controls, over its HTTP API.

``state`` · ``leave USERID`` (the employee leaves: WeCom sends ``delete_user``) ·
``refuse EXTERNAL_USERID [--accept]`` (the customer refuses every transfer, or no
longer) · ``advance +24h`` (the simulator clock; due takeovers and refusals settle).
It talks to a running simulator (``wecom-app demo`` prints its URL) and imports none
of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8001"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulator", help="operator controls of the simulated WeCom (make someone leave, ...)"
    )
    parser.add_argument(
        "--url", default=DEFAULT_URL, help=f"the simulator's address (default: {DEFAULT_URL})"
    )
    parser.add_argument("--corp", default="", help="the org's corp id (default: its only org)")
    sub = parser.add_subparsers(dest="simulator_command", required=True)
    sub.add_parser("state", help="the clock, who left, who refuses, what is pending")
    leave = sub.add_parser("leave", help="an employee leaves the org (delete_user)")
    leave.add_argument("userid", help="the employee's userid")
    refuse = sub.add_parser("refuse", help="a customer refuses every transfer offered")
    refuse.add_argument("external_userid", help="the customer's external_userid")
    refuse.add_argument(
        "--accept", action="store_true", help="accept transfers again (default: refuse)"
    )
    advance = sub.add_parser("advance", help="advance the simulator clock, e.g. +24h")
    advance.add_argument("by", help="how far: +24h, 90m, 2d or seconds")
    parser.set_defaults(func=cmd_simulator)


def request_for(args: argparse.Namespace) -> tuple[str, str, dict[str, Any]]:
    """The (method, path, body) of the control ``args`` names."""
    corp = {"corp_id": args.corp} if args.corp else {}
    command = args.simulator_command
    if command == "leave":
        return "POST", "/operator/leave", {**corp, "userid": args.userid}
    if command == "refuse":
        body = {**corp, "external_userid": args.external_userid, "refuse": not args.accept}
        return "POST", "/operator/refuse", body
    if command == "advance":
        return "POST", "/operator/advance", {"by": args.by}
    return "GET", "/operator", {}


def cmd_simulator(args: argparse.Namespace, client: httpx.Client | None = None) -> int:
    method, path, body = request_for(args)
    own = client is None
    http = client if client is not None else httpx.Client(timeout=30.0)
    try:
        url = args.url.rstrip("/") + path
        response = http.request(method, url, json=body if method == "POST" else None)
    except httpx.HTTPError as error:
        print(f"wecom-app simulator: cannot reach {args.url}: {error}", file=sys.stderr)
        return 1
    finally:
        if own:
            http.close()
    try:
        answer = response.json()
    except ValueError:
        print(f"wecom-app simulator: {response.status_code} {response.text[:200]}", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if response.status_code == 200 else 1
