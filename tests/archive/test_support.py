"""The archive test helpers (tests/support/archive.py) checked on their own."""

from __future__ import annotations

from tests.support.archive import rsa_key, text_message


def test_the_same_version_gets_the_same_key() -> None:
    assert rsa_key(1) is rsa_key(1)
    assert rsa_key(1).public_key().public_numbers() != rsa_key(2).public_key().public_numbers()


def test_text_message_is_a_one_to_one_text() -> None:
    message = text_message("m1", "你好")
    assert message["text"] == {"content": "你好"}
    assert message["roomid"] == ""
