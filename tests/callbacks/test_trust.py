"""Issue 16 (trust): a correctly signed callback that is not UTF-8 (GBK, a declared
other encoding) is refused with a clear 400 like other encodings, and nothing is
stored — never stored with replacement characters."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TEST_CORP_ID, FakeClock
from tests.support.callbacks import CORP_URL, corp_crypto
from wecom_app.protocol.errors import XmlParseError
from wecom_app.protocol.xml import parse_xml
from wecom_app.simulator.callbacks import seal
from wecom_app.store.models import InboxEvent

EVENT = (
    f"<xml><ToUserName><![CDATA[{TEST_CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]>"
    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
    "<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]>"
    "</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name></xml>"
)

NOT_UTF8 = {
    "gbk": EVENT.encode("gbk"),
    "gbk-declared": ('<?xml version="1.0" encoding="GBK"?>' + EVENT).encode("gbk"),
    "declared-ascii-gbk": b'<?xml version="1.0" encoding="gb2312"?>'
    + EVENT.replace("张三", "zs").encode(),
}


@pytest.mark.parametrize("name", sorted(NOT_UTF8))
def test_parse_xml_refuses_what_is_not_utf8(name: str) -> None:
    with pytest.raises(XmlParseError):
        parse_xml(NOT_UTF8[name])


def test_utf8_with_or_without_a_declaration_parses() -> None:
    assert parse_xml(EVENT.encode())["Name"] == "张三"
    declared = ('<?xml version="1.0" encoding="UTF-8"?>' + EVENT).encode()
    assert parse_xml(declared)["Name"] == "张三"


@pytest.mark.parametrize("name", sorted(NOT_UTF8))
async def test_a_signed_non_utf8_callback_is_refused(
    client: httpx.AsyncClient, clock: FakeClock, name: str
) -> None:
    signed = seal(corp_crypto(), NOT_UTF8[name], timestamp=int(clock()))
    answer = await client.post(CORP_URL, params=signed.query, content=signed.body.encode())
    assert answer.status_code == 400
    assert "success" not in answer.text
    assert await InboxEvent.all().count() == 0
