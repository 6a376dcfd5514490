"""wecom-app: a WeCom third-party app and in-chat smart sidebar."""

__version__ = "0.1.0"
