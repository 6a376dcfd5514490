"""What every ``wecom-app`` command does first: read the settings, set up logging."""

from __future__ import annotations

import sys

from wecom_app.config import ConfigError, Settings


def load_settings() -> Settings:
    """The settings from the environment; a configuration error exits with status 2."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        print(f"wecom-app: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def configure_logging(settings: Settings) -> None:
    from wecom_app.logs import configure_logging as configure

    configure(settings.log_level)
