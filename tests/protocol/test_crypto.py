"""Callback crypto against the official vectors, wechatpy, and random round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from tests.conftest import VECTORS
from wecom_app.protocol import errors
from wecom_app.protocol.crypto import CallbackCrypto, decode_aes_key, pkcs7_unpad, signature

VECTOR_SET: list[dict[str, Any]] = json.loads((VECTORS / "callback_crypto.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", VECTOR_SET, ids=lambda v: f"{v['kind']}-{v['timestamp']}")
def test_official_vectors_verify_and_decrypt(vector: dict[str, Any]) -> None:
    crypto = CallbackCrypto(vector["token"], vector["encoding_aes_key"])
    payload = vector.get("echostr") or vector["encrypt"]
    assert (
        signature(vector["token"], vector["timestamp"], vector["nonce"], payload)
        == (vector["msg_signature"])
    )
    crypto.verify(vector["msg_signature"], vector["timestamp"], vector["nonce"], payload)
    decrypted = crypto.decrypt(payload)
    assert decrypted.message.decode() == vector["plaintext"]
    assert decrypted.receive_id == vector["receive_id"]


@pytest.mark.parametrize("vector", VECTOR_SET, ids=lambda v: f"{v['kind']}-{v['timestamp']}")
def test_official_vectors_reject_a_changed_signature(vector: dict[str, Any]) -> None:
    crypto = CallbackCrypto(vector["token"], vector["encoding_aes_key"])
    payload = vector.get("echostr") or vector["encrypt"]
    bad = ("0" if vector["msg_signature"][0] != "0" else "1") + vector["msg_signature"][1:]
    with pytest.raises(errors.SignatureError):
        crypto.verify(bad, vector["timestamp"], vector["nonce"], payload)
    with pytest.raises(errors.SignatureError):
        crypto.verify(vector["msg_signature"], vector["timestamp"], vector["nonce"] + "1", payload)


def test_our_encryption_is_what_wechatpy_decrypts() -> None:
    vector = VECTOR_SET[1]
    ours = CallbackCrypto(vector["token"], vector["encoding_aes_key"], vector["receive_id"])
    theirs = WeChatCrypto(vector["token"], vector["encoding_aes_key"], vector["receive_id"])
    reply = ours.encrypted_reply("<xml><Content>你好</Content></xml>".encode(), "1411525903", "42")
    assert theirs.decrypt_message(reply, _field(reply, "MsgSignature"), "1411525903", "42") == (
        "<xml><Content>你好</Content></xml>"
    )


def _field(xml: str, tag: str) -> str:
    start = xml.index(f"<{tag}><![CDATA[") + len(tag) + 11
    return xml[start : xml.index("]]>", start)]


@given(message=st.binary(max_size=3000), receive_id=st.text(max_size=40))
def test_round_trip(message: bytes, receive_id: str) -> None:
    crypto = CallbackCrypto("tok", VECTOR_SET[0]["encoding_aes_key"], receive_id)
    decrypted = crypto.decrypt(crypto.encrypt(message))
    assert decrypted.message == message
    assert decrypted.receive_id == receive_id


@given(data=st.binary(max_size=200))
def test_garbage_ciphertext_never_raises_anything_but_protocol_errors(data: bytes) -> None:
    import base64

    crypto = CallbackCrypto("tok", VECTOR_SET[0]["encoding_aes_key"])
    try:
        crypto.decrypt(base64.b64encode(data).decode())
    except errors.ProtocolError:
        pass


def test_bad_inputs_map_to_wecom_error_codes() -> None:
    crypto = CallbackCrypto("tok", VECTOR_SET[0]["encoding_aes_key"])
    with pytest.raises(errors.Base64Error) as b64:
        crypto.decrypt("not base64!!")
    assert b64.value.code == -40010
    with pytest.raises(errors.DecryptError) as dec:
        crypto.decrypt("AAAA")
    assert dec.value.code == -40007
    with pytest.raises(errors.AesKeyError):
        decode_aes_key("short")
    with pytest.raises(errors.DecryptError):
        pkcs7_unpad(b"abc\x05")  # pad byte says 5 but only 4 bytes
    with pytest.raises(errors.DecryptError):
        pkcs7_unpad(b"a" * 31 + b"\x00")
