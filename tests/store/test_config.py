"""Settings: defaults, validation errors that name the variable, secrets never printed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wecom_app.config import ConfigError, Settings

AES = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


def test_embedded_defaults_generate_and_keep_a_secret_key(tmp_path: Path) -> None:
    first = Settings.from_env({"DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"DATA_DIR": str(tmp_path)})
    assert first.database_url == f"sqlite://{tmp_path / 'wecom.sqlite3'}"
    assert first.redis_url is None
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@h/db"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"WECOM_API_BASE": "ftp://x"}, "WECOM_API_BASE"),
        ({"WECOM_CORP_ID": "ww1"}, "WECOM_CORP_SECRET"),
        (
            {
                "WECOM_CORP_ID": "ww1",
                "WECOM_CORP_SECRET": "s",
                "WECOM_AGENT_ID": "1",
                "WECOM_CALLBACK_TOKEN": "t",
                "WECOM_CALLBACK_AES_KEY": "too-short",
            },
            "WECOM_CALLBACK_AES_KEY",
        ),
        ({"WECOM_SUITE_ID": "ws1"}, "WECOM_SUITE_SECRET"),
        ({"CALLBACK_REPLAY_WINDOW": "soon"}, "CALLBACK_REPLAY_WINDOW"),
        ({"CALLBACK_MAX_BODY": "10"}, "CALLBACK_MAX_BODY"),
        ({"INBOX_WORKER": "maybe"}, "INBOX_WORKER"),
        ({"ARCHIVE_SOURCE": "ftp"}, "ARCHIVE_SOURCE"),
        ({"PUBLIC_URL": "example.com"}, "PUBLIC_URL"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"DATA_DIR": str(tmp_path), **env})
    assert error.value.variable == variable
    assert str(error.value).startswith(variable + ":")


def test_full_configuration_and_no_secret_in_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://app@db:5432/wecom",
            "REDIS_URL": "redis://cache:6379/1",
            "SECRET_KEY": "k" * 40,
            "WECOM_API_BASE": "http://sim:9000/",
            "WECOM_CORP_ID": "ww1",
            "WECOM_CORP_SECRET": "corp-secret-value",
            "WECOM_AGENT_ID": "1000002",
            "WECOM_CALLBACK_TOKEN": "callback-token-value",
            "WECOM_CALLBACK_AES_KEY": AES,
            "WECOM_SUITE_ID": "ws1",
            "WECOM_SUITE_SECRET": "suite-secret-value",
            "WECOM_SUITE_TOKEN": "suite-token-value",
            "WECOM_SUITE_AES_KEY": AES,
            "INBOX_WORKER": "off",
        }
    )
    assert settings.database_url == "postgres://app@db:5432/wecom"
    assert settings.wecom_api_base == "http://sim:9000"
    assert settings.self_built is not None
    assert settings.self_built.agent_id == "1000002"
    assert settings.suite is not None
    assert settings.suite.suite_id == "ws1"
    assert settings.inbox_worker is False
    assert not settings.is_embedded
    shown = repr(settings)
    for secret in ("k" * 40, "corp-secret-value", "callback-token-value", AES, "suite-secret"):
        assert secret not in shown


def test_the_provider_corp_id_and_the_permanent_code_api(tmp_path: Path) -> None:
    suite = {
        "DATA_DIR": str(tmp_path),
        "WECOM_SUITE_ID": "ws1",
        "WECOM_SUITE_SECRET": "s",
        "WECOM_SUITE_TOKEN": "t",
        "WECOM_SUITE_AES_KEY": AES,
    }
    plain = Settings.from_env(suite).suite
    assert plain is not None
    assert (plain.provider_corp_id, plain.permanent_code_api) == ("", "v1")
    chosen = Settings.from_env(
        {**suite, "WECOM_PROVIDER_CORP_ID": "wwprovider01", "WECOM_PERMANENT_CODE_API": "v2"}
    ).suite
    assert chosen is not None
    assert (chosen.provider_corp_id, chosen.permanent_code_api) == ("wwprovider01", "v2")
    for name, value in (
        ("WECOM_PROVIDER_CORP_ID", "not a corp id"),
        ("WECOM_PERMANENT_CODE_API", "v3"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({**suite, name: value})
