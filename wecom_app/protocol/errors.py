"""Errors raised by the protocol core.

The numeric codes are the ones of WeCom's official WXBizMsgCrypt samples, so an
operator can match our logs with WeCom's documentation (Doc 91144).
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Base class: the input did not follow WeCom's protocol."""

    code: int = -40000
    reason: str = "protocol_error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.reason)


class SignatureError(ProtocolError):
    code = -40001
    reason = "bad_signature"


class XmlParseError(ProtocolError):
    code = -40002
    reason = "bad_xml"


class AesKeyError(ProtocolError):
    code = -40004
    reason = "bad_aes_key"


class ReceiveIdError(ProtocolError):
    code = -40005
    reason = "bad_receive_id"


class DecryptError(ProtocolError):
    code = -40007
    reason = "decrypt_failed"


class Base64Error(ProtocolError):
    code = -40010
    reason = "bad_base64"


class BodyTooLargeError(ProtocolError):
    code = -40011
    reason = "body_too_large"
