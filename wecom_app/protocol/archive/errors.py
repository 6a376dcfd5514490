"""Errors of the archive protocol, coded like the Finance SDK's table (10000–10011)."""

from __future__ import annotations

from collections.abc import Iterable

from wecom_app.protocol.errors import ProtocolError


class ArchiveError(ProtocolError):
    """Base class of archive protocol errors.

    Codes follow the Finance SDK's table (10000–10011) where the meaning is the same,
    so a puller can treat an SDK error and ours alike.
    """

    code = 10002
    reason = "archive_error"


class MalformedChatData(ArchiveError):
    """The GetChatData response as a whole is unusable (not JSON, no ``chatdata`` list)."""

    code = 10002
    reason = "malformed_chatdata"


class ChatDataResponseError(ArchiveError):
    """GetChatData answered with a non-zero ``errcode`` inside its JSON."""

    reason = "chatdata_errcode"

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"GetChatData errcode {errcode}: {errmsg}")
        self.code = errcode
        self.errmsg = errmsg


class MissingKeyVersion(ArchiveError):
    """No private key for this ``publickey_ver``: park the message until the key is added."""

    code = 10007
    reason = "missing_key_version"

    def __init__(self, publickey_ver: int, available: Iterable[int] = ()) -> None:
        have = ", ".join(str(v) for v in sorted(available)) or "none"
        super().__init__(
            f"no private key for publickey_ver {publickey_ver} (have: {have}); "
            "add the key the admin uploaded for that version"
        )
        self.publickey_ver = publickey_ver


class BadRandomKey(ArchiveError):
    """``encrypt_random_key`` could not be decrypted into a usable key."""

    code = 10008
    reason = "bad_random_key"


class PrivateKeyError(ArchiveError):
    """An archive private key given by the admin is unusable."""

    code = 10000
    reason = "bad_private_key"


class MalformedMessage(ArchiveError):
    """A decrypted message is not a JSON object with a msgid."""

    code = 10002
    reason = "malformed_message"
