"""Decrypted documents → typed events, identities and dedup keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wecom_app.protocol import events
from wecom_app.protocol.xml import envelope_encrypt, parse_xml
from wecom_app.simulator.callbacks import event_xml, self_built_event, suite_command


def parse(fields: dict[str, str | int | list[str]]) -> events.Event:
    return events.parse_event(parse_xml(event_xml(fields)))


def test_suite_commands_become_their_types() -> None:
    ticket = parse(suite_command("ws1", "suite_ticket", timestamp=7, SuiteTicket="T"))
    assert isinstance(ticket, events.SuiteTicket)
    assert (ticket.suite_id, ticket.ticket, ticket.create_time) == ("ws1", "T", 7)
    auth = parse(suite_command("ws1", "create_auth", AuthCode="AC", State="s"))
    assert isinstance(auth, events.CreateAuth)
    assert auth.auth_code == "AC"
    cancel = parse(suite_command("ws1", "cancel_auth", AuthCorpId="wwX"))
    assert isinstance(cancel, events.CancelAuth)
    assert cancel.corp_id == "wwX"
    reset = parse(suite_command("ws1", "reset_permanent_code", AuthCode="R"))
    assert isinstance(reset, events.ResetPermanentCode)
    assert reset.auth_code == "R"
    change = parse(
        suite_command(
            "ws1",
            "change_external_contact",
            AuthCorpId="wwX",
            ChangeType="transfer_fail",
            UserID="takeover",
            ExternalUserID="wm1",
            FailReason="customer_refused",
        )
    )
    assert isinstance(change, events.ChangeExternalContact)
    assert (change.corp_id, change.user_id, change.fail_reason) == (
        "wwX",
        "takeover",
        "customer_refused",
    )


def test_self_built_events_and_both_member_list_forms() -> None:
    csv = parse(
        self_built_event(
            "ww1",
            "change_external_chat",
            "update",
            ChatId="c1",
            MemChangeList="a, b",
            UpdateDetail="add_member",
            JoinScene="1",
            MemChangeCnt="2",
        )
    )
    items = parse(
        self_built_event(
            "ww1", "change_external_chat", "update", ChatId="c1", MemChangeList=["a", "b"]
        )
    )
    assert isinstance(csv, events.ChangeExternalChat)
    assert isinstance(items, events.ChangeExternalChat)
    assert csv.member_change_list == items.member_change_list == ("a", "b")
    assert (csv.join_scene, csv.member_change_count, csv.update_detail) == (1, 2, "add_member")
    contact = parse(
        self_built_event(
            "ww1",
            "change_contact",
            "update_user",
            UserID="u",
            NewUserID="u2",
            Department="1,2",
            Name="张三",
        )
    )
    assert isinstance(contact, events.ChangeContact)
    assert (contact.new_user_id, contact.departments, contact.user_name) == (
        "u2",
        ("1", "2"),
        "张三",
    )
    tag = parse(self_built_event("ww1", "change_external_tag", "create", Id="t1", TagType="tag"))
    assert isinstance(tag, events.ChangeExternalTag)
    assert tag.tag_type == "tag"
    notify = parse(self_built_event("ww1", "msgaudit_notify", AgentID="2000"))
    assert isinstance(notify, events.MsgAuditNotify)
    assert notify.agent_id == "2000"


def test_unknown_events_keep_every_field() -> None:
    unknown = parse(self_built_event("ww1", "future_event", "x", Extra="额外", More="1"))
    assert isinstance(unknown, events.UnknownEvent)
    assert unknown.handler_key == "future_event:x"
    assert unknown.fields["Extra"] == "额外"
    message = parse({"ToUserName": "ww1", "MsgType": "text", "MsgId": "9", "Content": "hi"})
    assert isinstance(message, events.Message)
    assert message.content == "hi"


def test_retries_share_a_key_and_different_events_do_not() -> None:
    base = self_built_event(
        "ww1",
        "change_external_contact",
        "add_external_contact",
        create_time=100,
        UserID="u",
        ExternalUserID="wm1",
    )
    same = dict(base)
    other_customer = {**base, "ExternalUserID": "wm2"}
    other_change = {**base, "ChangeType": "edit_external_contact"}
    key = events.dedup_key(parse_xml(event_xml(base)))
    assert key == events.dedup_key(parse_xml(event_xml(same)))
    assert key.startswith("e:000000000100:")
    assert key != events.dedup_key(parse_xml(event_xml(other_customer)))
    assert key != events.dedup_key(parse_xml(event_xml(other_change)))
    assert events.dedup_key({"MsgType": "text", "MsgId": "42"}) == "m:42"


leaf = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@given(
    kind=st.sampled_from(["change_contact", "change_external_contact", "msgaudit_notify", "x"]),
    change=st.sampled_from(["", "create_user", "add_external_contact", "update"]),
    value=leaf,
    command=st.booleans(),
)
def test_identity_agrees_with_parse_event(
    kind: str, change: str, value: str, command: bool
) -> None:
    fields = (
        suite_command("ws1", kind, ChangeType=change, AuthCorpId="wwA", UserID=value)
        if command
        else self_built_event("ww1", kind, change, UserID=value)
    )
    doc = parse_xml(event_xml(fields))
    event = events.parse_event(doc)
    assert events.identity(doc) == (event.name, event.change_type, event.corp_id)


# The pattern fast path of parse_xml must agree with expat on everything it accepts and
# hand everything else to expat (which then accepts or refuses as before).
_xml_names = st.sampled_from(["xml", "ToUserName", "Event", "a", "_b1", "ä", "x-y"])
_xml_text = st.lists(
    st.sampled_from([*"ab 中\t\n\r]>&<;#x\x01\x1f\ufffe", "]]>", "&amp;", "&#x41;"]), max_size=12
).map("".join)


@st.composite
def _flat_documents(draw: st.DrawFn) -> bytes:
    root = draw(_xml_names)
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        tag = draw(_xml_names)
        value = draw(_xml_text)
        if draw(st.booleans()):
            value = f"<![CDATA[{value}]]>"
        parts.append(draw(st.sampled_from(["", " ", "\n  "])) + f"<{tag}>{value}</{tag}>")
    return f"<{root}>{''.join(parts)}{draw(st.sampled_from(['', chr(10)]))}</{root}>".encode()


@given(_flat_documents())
def test_the_xml_fast_path_agrees_with_expat(raw: bytes) -> None:
    from wecom_app.protocol import xml
    from wecom_app.protocol.errors import XmlParseError

    fast = xml._parse_simple(raw)
    try:
        general = xml._parse_flat(raw)
        if general is None:
            general = xml._parse_expat(raw)
    except XmlParseError:
        assert fast is None  # what expat refuses never passes the pattern
        return
    if fast is not None:
        assert fast == general
    assert parse_xml(raw) == general


def test_the_xml_fast_path_leaves_the_unusual_to_expat() -> None:
    from wecom_app.protocol import xml

    typical = b"<xml><A><![CDATA[x y]]></A>\n<B>12</B><C></C><D><![CDATA[ ]]></D></xml>"
    assert xml._parse_simple(typical) == {"A": "x y", "B": "12", "C": "", "D": ""}
    for unusual in (
        b'<?xml version="1.0"?><xml><A>1</A></xml>',  # a declaration
        b"<xml><A>1</A><A>2</A></xml>",  # a repeated tag
        b"<xml><A><B>1</B></A></xml>",  # nesting
        b'<xml><A k="v">1</A></xml>',  # an attribute
        b"<xml><A>&amp;</A></xml>",  # a reference
        b"<xml><A>a\r\nb</A></xml>",  # a line end expat normalises
        b"<xml><A><![CDATA[a]]]]><![CDATA[>]]></A></xml>",  # ]]> split over sections
        b"<xml><!-- c --><A>1</A></xml>",  # a comment
    ):
        assert xml._parse_simple(unusual) is None, unusual
    assert parse_xml(b"<xml><A>1</A><A>2</A></xml>") == {"A": ["1", "2"]}
    assert parse_xml(b"<xml><A>&amp;</A></xml>") == {"A": "&"}


def _envelope_by_expat(raw: bytes) -> str:
    """The general path alone: expat checks the body, the text is sliced out."""
    from wecom_app.protocol import xml
    from wecom_app.protocol.errors import Base64Error

    parser = xml._new_parser()
    parser.Parse(raw, True)  # raises on anything malformed
    start = raw.find(b"<Encrypt>")
    if start < 0:
        return ""
    value = raw[start + 9 : raw.find(b"</Encrypt>", start)].strip()
    if value.startswith(b"<![CDATA[") and value.endswith(b"]]>"):
        value = value[9:-3]
    if value and not value.replace(b"+", b"").replace(b"/", b"").replace(b"=", b"").isalnum():
        raise Base64Error("not base64")
    return value.decode("ascii")


_envelope_text = st.lists(
    st.sampled_from([*"aZ09+/= \t\n\r]>&<中", "]]>", "&amp;", "<![CDATA[", "\x01"]), max_size=10
).map("".join)


@st.composite
def _envelopes(draw: st.DrawFn) -> bytes:
    parts = []
    if draw(st.booleans()):
        parts.append(f"<ToUserName>{draw(_envelope_text)}</ToUserName>")
    value = draw(st.one_of(_envelope_text, st.sampled_from(["QUJD", "QUJD+/==", ""])))
    if draw(st.booleans()):
        value = f"<![CDATA[{value}]]>"
    parts.append(f"<Encrypt>{value}</Encrypt>")
    if draw(st.booleans()):
        tag = draw(st.sampled_from(["AgentID", "AgentId", "Agent"]))
        parts.append(f"<{tag}>{draw(_envelope_text)}</{tag}>")
    if draw(st.booleans()):
        parts.reverse()
    gap = draw(st.sampled_from(["", "\n", " "]))
    return f"<xml>{gap}{gap.join(parts)}{gap}</xml>".encode()


@given(_envelopes())
def test_the_envelope_pattern_agrees_with_expat(raw: bytes) -> None:
    """WeCom's envelope is read by one pattern: on everything it accepts it answers as
    expat and a slice answer (the text, or the same refusal); the rest goes to expat."""
    from wecom_app.protocol import xml
    from wecom_app.protocol.errors import Base64Error, ProtocolError

    matched = xml._WECOM_ENVELOPE.fullmatch(raw)
    try:
        expected = _envelope_by_expat(raw)
    except Base64Error:
        with pytest.raises(Base64Error):
            envelope_encrypt(raw)
        return
    except Exception:
        assert matched is None  # what expat refuses never passes the pattern
        with pytest.raises(ProtocolError):
            envelope_encrypt(raw)
        return
    assert envelope_encrypt(raw) == expected


def test_wecom_envelopes_take_the_pattern() -> None:
    from wecom_app.protocol import xml

    for raw in (
        b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[QUJD+/==]]>"
        b"</Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>",
        b"<xml>\n<ToUserName>ww1</ToUserName>\n<Encrypt>QUJD</Encrypt>\n<AgentID></AgentID>\n</xml>",
        b"<xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>",
    ):
        assert xml._WECOM_ENVELOPE.fullmatch(raw) is not None, raw
        assert envelope_encrypt(raw) == _envelope_by_expat(raw)
    # Other shapes are still read, by expat.
    other = b'<?xml version="1.0"?><xml><Encrypt>QUJD</Encrypt><Extra>1</Extra></xml>'
    assert xml._WECOM_ENVELOPE.fullmatch(other) is None
    assert envelope_encrypt(other) == "QUJD"
