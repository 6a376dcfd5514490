"""WeCom's transfer rules, item statuses, and what each outcome means in plain words.

The numbers are WeCom's (wecom-protocol.md §5): batches of at most 100, takeover 24 h
after a transfer starts, an on-job customer at most twice in 90 days, 300 group chats a
day per handover → takeover pair, a member who left more than a year ago cannot hand
over any more. The planner checks them *before* anything is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from wecom_app.wecom.transfer import explain_transfer

BATCH_SIZE = 100
CHATS_PER_DAY = 300
TAKEOVER_DELAY_S = 24 * 3600
ONJOB_WINDOW_S = 90 * 86400
ONJOB_MAX_PER_WINDOW = 2
RESIGNED_MAX_AGE_S = 365 * 86400
DEFAULT_CUSTOMER_CAP = 5000
CHINA = timezone(timedelta(hours=8))  # WeCom's "day" (the 300-chats limit) is China's

# An item left ``submitting`` longer than this was abandoned by a worker that died
# (the client gives up on a call long before): ask WeCom what happened to it.
SUBMIT_LEASE_S = 300.0
# Attempts at sending an item while WeCom is busy or unreachable before giving up.
MAX_ATTEMPTS = 5
# A transfer still waiting after its takeover time is asked about again this often.
POLL_RETRY_S = 3600.0
# Ask about a pair a little after the takeover time, not on the second.
POLL_SLACK_S = 60.0

ONJOB = "onjob"
RESIGNED = "resigned"

CUSTOMER = "customer"
CHAT = "chat"

# item statuses
PLANNED = "planned"
SUBMITTING = "submitting"
WAITING = "waiting"
DONE = "done"
REFUSED = "refused"
LIMIT = "limit"
NO_RECORD = "no_record"
FAILED = "failed"
BLOCKED = "blocked"
CANCELLED = "cancelled"

FINAL = frozenset({DONE, REFUSED, LIMIT, NO_RECORD, FAILED, BLOCKED, CANCELLED})
EDITABLE = frozenset({PLANNED, BLOCKED, CANCELLED})
IN_FLIGHT = frozenset({SUBMITTING, WAITING})
STATUSES = (
    PLANNED,
    SUBMITTING,
    WAITING,
    DONE,
    REFUSED,
    LIMIT,
    NO_RECORD,
    FAILED,
    BLOCKED,
    CANCELLED,
)

# plan statuses
DRAFT = "draft"
RUNNING = "running"
PLAN_DONE = "done"
PLAN_CANCELLED = "cancelled"
OPEN_PLAN = (DRAFT, RUNNING)
CLOSED = (PLAN_DONE, PLAN_CANCELLED)

# strategies
SINGLE = "single"
ROUND_ROBIN = "round_robin"
LEAST_LOADED = "least_loaded"
SAME_DEPARTMENT = "same_department"
STRATEGIES = (SINGLE, ROUND_ROBIN, LEAST_LOADED, SAME_DEPARTMENT)

# transfer_result status → our final item status
WECOM_DONE = 1
WECOM_WAITING = 2
WECOM_STATUS = {1: DONE, 3: REFUSED, 4: LIMIT, 5: NO_RECORD}

# errcodes that mean "try again later", not "this item cannot go" (90507: WeCom is
# still handing the chat over; asking again later gives the final answer)
TRANSIENT = frozenset({-1, 45033, 45009, 90507})

STATUS_TEXT = {
    PLANNED: "planned, not sent yet",
    SUBMITTING: "being sent to WeCom",
    WAITING: "WeCom started the transfer; the successor takes over 24 hours after it",
    DONE: "transferred",
    REFUSED: "the customer refused the transfer",
    LIMIT: "the successor reached WeCom's customer limit at takeover time",
    NO_RECORD: "WeCom has no record of this transfer "
    "(the successor may have left before taking over); plan the customer again",
    FAILED: "WeCom refused the transfer",
    BLOCKED: "not sent: a rule would make WeCom refuse it",
    CANCELLED: "removed from the plan",
}

# Why an item is blocked before submitting (reason codes → text)
TOO_OFTEN = "too_often"
LEFT_TOO_LONG = "left_too_long"
SAME_PERSON = "same_person"
TAKEOVER_RESIGNED = "takeover_resigned"
TAKEOVER_UNKNOWN = "takeover_unknown"
OVER_CAP = "over_cap"
NO_SUCCESSOR = "no_successor"
IN_TRANSFER = "in_transfer"


def block_text(code: str, detail: str = "") -> str:
    text = {
        TOO_OFTEN: "transferred twice in the last 90 days: WeCom allows 2 on-job transfers of "
        "a customer per 90 days",
        LEFT_TOO_LONG: "the employee left more than a year ago: WeCom no longer lets their "
        "customers be assigned",
        SAME_PERSON: "the successor is the employee handing over",
        TAKEOVER_RESIGNED: "the successor has left the company or is disabled",
        TAKEOVER_UNKNOWN: "the successor is not an employee we know",
        OVER_CAP: "the successor would pass WeCom's customer limit",
        NO_SUCCESSOR: "no successor chosen",
        IN_TRANSFER: "this customer is already being transferred by another plan",
    }.get(code, code)
    return f"{text} ({detail})" if detail else text


def explain_errcode(errcode: int) -> str:
    """Plain words for a WeCom errcode met while transferring."""
    return f"WeCom {errcode}: {explain_transfer(errcode)}"


def china_day(at: float) -> int:
    """The day number of ``at`` in China (WeCom's daily limits reset at midnight there)."""
    return int((at + 8 * 3600) // 86400)


def china_day_start(day: int) -> float:
    return day * 86400.0 - 8 * 3600


def when(at: float | int | None) -> str:
    """``at`` (epoch seconds) as China time, for people."""
    if not at:
        return ""
    return datetime.fromtimestamp(float(at), tz=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
