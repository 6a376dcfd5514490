"""Logging set-up that keeps secrets, tokens and decrypted bodies out of every log line.

Our own code never logs them. Libraries might: Tortoise and the database drivers log
SQL *parameters* at DEBUG (decrypted callback payloads, sealed secrets), httpx logs
request URLs at INFO (``access_token=`` in WeCom's query strings). So those loggers are
held at WARNING whatever ``LOG_LEVEL`` says, and a filter on the root handlers redacts
anything that still looks like a credential.
"""

from __future__ import annotations

import logging
import re

# Libraries whose DEBUG/INFO output carries SQL parameters or full URLs.
_QUIET = ("tortoise", "tortoise.db_client", "aiosqlite", "asyncpg", "aerich", "httpx", "httpcore")

_CREDENTIAL = re.compile(
    r"(?i)(access_token|suite_access_token|provider_access_token|corpsecret|suite_secret|"
    r"permanent_code|suite_ticket|jsapi_ticket|ticket|auth_code|code|secret|msg_signature|"
    r"echostr|encrypt)(=|\"?\s*:\s*\"?)([^&\s\"',]+)"
)


def redact(text: str) -> str:
    return _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    numeric = logging.getLevelName(level)
    floor = numeric if isinstance(numeric, int) else logging.INFO
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(floor, logging.WARNING))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
