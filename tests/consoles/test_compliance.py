"""The compliance console over HTTP: roles, 403s that are audited, pages, JSON API,
streamed exports, saved searches, alerts, holds, the audit page, tenancy."""

from __future__ import annotations

import csv
import io
import json
import secrets
from pathlib import Path

import httpx
import pytest
from starlette.responses import Response

from tests.conftest import TEST_CORP_ID
from tests.support.search import TEST_AUDIT_KEY, compliance_viewer, make_corp, message, store
from wecom_app.consoles import web
from wecom_app.search.query import parse_query
from wecom_app.search.request import SearchRequest
from wecom_app.search.service import Compliance
from wecom_app.services import Services
from wecom_app.store.archive import ArchiveMedia
from wecom_app.store.directory import ConsoleRole, Department
from wecom_app.store.models import Corp, Employee
from wecom_app.store.search import Alert, AuditEntry, LegalHold, SavedSearch

API = "/console/compliance/api"


async def sign_in(
    services: Services, client: httpx.AsyncClient, corp: Corp, userid: str, *roles: str
) -> str:
    """Give ``client`` a signed-in console session of ``userid`` (with ``roles`` granted
    in the database, where the console reads them on every request); returns its CSRF
    token."""
    for role in roles:
        await ConsoleRole.get_or_create(corp=corp, userid=userid, role=role)
    site = web.console(services)
    session = web.Session(
        sid=secrets.token_urlsafe(18),
        csrf=secrets.token_urlsafe(24),
        exp=services.clock() + 3600,
        corp_id=corp.corp_id,
        userid=userid,
        roles=tuple(roles),
    )
    await services.kv_store.set(
        f"web:{site.cookie}:session:{session.sid}",
        json.dumps({"corp_id": corp.corp_id, "userid": userid}),
        ttl=3600,
    )
    response = Response()
    site.write_cookie(response, session)
    value = response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    client.cookies.clear()
    client.cookies.set(site.cookie, value, domain="testserver.local", path="/console")
    return session.csrf


@pytest.fixture
async def corp(services: Services) -> Corp:
    corp = await Corp.get(corp_id=TEST_CORP_ID)
    await store(
        corp,
        [
            message(corp, "返现金额是多少", at=0, sender="zhangwei"),
            message(corp, "<b>私下转账</b> & 返现", at=60, sender="lisi"),
            message(corp, '=HYPERLINK("http://x") 返现', at=120, sender="zhangwei"),
            message(corp, "今天天气很好", at=180),
        ],
    )
    return corp


async def test_a_compliance_user_searches_through_the_api(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    response = await client.get(f"{API}/search", params={"q": "返现"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [h["text"] for h in body["hits"]] == [
        '=HYPERLINK("http://x") 返现',
        "<b>私下转账</b> & 返现",
        "返现金额是多少",
    ]
    assert "&lt;b&gt;" in body["hits"][1]["html"]
    assert "<mark>返现</mark>" in body["hits"][1]["html"]
    assert body["next_cursor"] is None
    # keyset pages through the API
    first = (await client.get(f"{API}/search", params={"q": "返现", "limit": "2"})).json()
    assert len(first["hits"]) == 2
    second = (
        await client.get(
            f"{API}/search", params={"q": "返现", "limit": "2", "cursor": first["next_cursor"]}
        )
    ).json()
    assert [h["text"] for h in second["hits"]] == ["返现金额是多少"]
    bad = await client.get(f"{API}/search", params={"q": '"unclosed'})
    assert bad.status_code == 400
    assert "quote" in bad.json()["message"]


async def test_without_the_role_it_is_403_and_the_attempt_is_audited(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "salesboss", "manager")
    response = await client.get(f"{API}/search", params={"q": "返现"})
    assert response.status_code == 403
    assert response.json()["error"] == "no_access"
    page = await client.get("/console/compliance/", params={"q": "返现"})
    assert page.status_code == 403
    assert "返现金额" not in page.text
    export = await client.get("/console/compliance/export", params={"q": "返现", "format": "csv"})
    assert export.status_code == 403
    denied = await AuditEntry.filter(corp_id=corp.id, action="denied").order_by("seq")
    assert [e.actor for e in denied] == ["salesboss"] * 3
    assert [json.loads(e.detail)["attempted"] for e in denied] == ["search", "search", "export"]
    assert json.loads(denied[0].detail)["q"] == "返现"

    client.cookies.clear()
    anonymous = await client.get(f"{API}/search", params={"q": "返现"})
    assert anonymous.status_code == 401


async def test_the_search_page_renders_escaped_highlights_and_links(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    page = await client.get("/console/compliance/", params={"q": "私下转账"})
    assert page.status_code == 200
    assert "&lt;b&gt;<mark>私下转账</mark>&lt;/b&gt;" in page.text
    assert "<b>私下转账</b>" not in page.text
    assert "/console/compliance/context/" in page.text
    assert "format=csv" in page.text
    empty = await client.get("/console/compliance/")
    assert empty.status_code == 200
    for short in ("/compliance", "/compliance/"):
        moved = await client.get(short, params={"q": "私下转账"})
        assert moved.status_code == 308
        assert (
            moved.headers["location"]
            == "/console/compliance/?q=%E7%A7%81%E4%B8%8B%E8%BD%AC%E8%B4%A6"
        )
    refused = await client.get("/console/compliance/", params={"q": "^"})
    assert refused.status_code == 400
    assert "Nothing to search for" in refused.text


async def test_context_and_conversation_views(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    hits = (await client.get(f"{API}/search", params={"q": "天气"})).json()["hits"]
    (hit,) = hits
    context = (await client.get(f"{API}/context/{hit['id']}", params={"before": "2"})).json()
    assert [m["text"] for m in context["messages"]][-1] == "今天天气很好"
    assert len(context["messages"]) == 3
    assert [m["hit"] for m in context["messages"]] == [False, False, True]
    page = await client.get(f"/console/compliance/context/{hit['id']}", params={"q": "天气"})
    assert page.status_code == 200
    assert "<mark>天气</mark>" in page.text
    conversation = await client.get(
        f"{API}/conversation", params={"conversation": hit["conversation"], "limit": "2"}
    )
    data = conversation.json()
    assert len(data["messages"]) == 2
    rest = await client.get(
        f"{API}/conversation",
        params={"conversation": hit["conversation"], "cursor": data["next_cursor"]},
    )
    # lisi's message is another conversation (lisi and the customer): 3 in this one
    assert [m["text"] for m in rest.json()["messages"]] == ["今天天气很好"]
    html = await client.get(
        "/console/compliance/conversation",
        params={"conversation": hit["conversation"], "since": "2024-03-04", "until": "2024-03-04"},
    )
    assert html.status_code == 200
    assert "今天天气很好" in html.text
    actions = [e.action for e in await AuditEntry.filter(corp_id=corp.id)]
    assert actions.count("context") == 2
    assert actions.count("conversation") == 3


async def test_exports_stream_csv_and_jsonl(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    many = [message(corp, f"返现 第{i}条", at=1000 + i) for i in range(1100)]
    await store(corp, many)
    chunks = 0
    body = b""
    async with client.stream(
        "GET", "/console/compliance/export", params={"q": "返现", "format": "csv"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        async for chunk in response.aiter_bytes():
            chunks += 1
            body += chunk
    text = body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1103
    assert rows[0]["text"] == "返现 第1099条"  # newest first
    # a cell a spreadsheet would run as a formula is defused
    formula = next(r for r in rows if "HYPERLINK" in r["text"])
    assert formula["text"].startswith("'=HYPERLINK")
    assert chunks >= 1
    # the service hands the response one page at a time (httpx's ASGI transport joins
    # the chunks, so count them at the source): header + three pages of <= 500 rows
    stream = await Compliance(audit_key=TEST_AUDIT_KEY).export(
        compliance_viewer(corp), SearchRequest("返现", parse_query("返现")), "csv"
    )
    sizes = [len(chunk) async for chunk in stream]
    assert len(sizes) == 4
    assert max(sizes) < len(body) / 2

    jsonl = await client.get(
        f"{API}/export", params={"q": "私下转账", "format": "jsonl", "employee": "lisi"}
    )
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [line["text"] for line in lines] == ["<b>私下转账</b> & 返现"]
    done = await AuditEntry.filter(corp_id=corp.id, action="export_done").order_by("seq")
    assert [json.loads(e.detail)["rows"] for e in done] == [1103, 1103, 1]


async def test_saved_searches(services: Services, client: httpx.AsyncClient, corp: Corp) -> None:
    csrf = await sign_in(services, client, corp, "auditor", "compliance")
    no_token = await client.post("/console/compliance/saved", data={"name": "返现", "q": "返现"})
    assert no_token.status_code == 403
    saved = await client.post(
        "/console/compliance/saved",
        data={"name": "返现监控", "q": "返现", "employee": "zhangwei", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    (row,) = await SavedSearch.filter(corp_id=corp.id)
    assert row.params == {"q": "返现", "employee": "zhangwei"}
    listed = (await client.get(f"{API}/saved")).json()["saved"]
    assert [s["name"] for s in listed] == ["返现监控"]
    page = await client.get("/console/compliance/")
    assert "返现监控" in page.text
    via_api = await client.post(
        f"{API}/saved",
        json={"name": "坏的", "params": {"q": '"'}},
        headers={"X-CSRF-Token": csrf},
    )
    assert via_api.status_code == 400
    deleted = await client.delete(f"{API}/saved/{row.id}", headers={"X-CSRF-Token": csrf})
    assert deleted.status_code == 200
    assert await SavedSearch.filter(corp_id=corp.id).count() == 0


async def test_department_scope_limits_what_a_compliance_user_sees(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await Department.create(corp=corp, dept_id=10, name="销售", parent_id=1)
    await Employee.create(corp=corp, userid="lisi", departments=[10])
    await Employee.create(corp=corp, userid="zhangwei", departments=[20])
    await ConsoleRole.create(
        corp=corp, userid="scoped", role="compliance", scope={"departments": ["10"]}
    )
    await sign_in(services, client, corp, "scoped")
    hits = (await client.get(f"{API}/search", params={"q": "返现"})).json()["hits"]
    assert [h["sender"] for h in hits] == ["lisi"]
    all_ids = (await store(corp, [message(corp, "返现 张伟的", sender="zhangwei")]))[0].id
    outside = await client.get(f"{API}/context/{all_ids}")
    assert outside.status_code == 403
    denied = await AuditEntry.filter(corp_id=corp.id, action="denied").first()
    assert denied is not None
    assert json.loads(denied.detail)["reason"] == "out_of_scope"


async def test_another_tenants_messages_are_not_found_by_id_either(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    other = await make_corp("wwothertenant001")
    (foreign,) = await store(
        other, [message(other, "返现 别家的", customer="wmFOREIGN0000000000000001")]
    )
    await sign_in(services, client, corp, "auditor", "compliance")
    texts = [
        h["text"] for h in (await client.get(f"{API}/search", params={"q": "返现"})).json()["hits"]
    ]
    assert "返现 别家的" not in texts
    assert (await client.get(f"{API}/context/{foreign.id}")).status_code == 404
    conversation = await client.get(
        f"{API}/conversation", params={"conversation": foreign.conversation}
    )
    assert conversation.json()["messages"] == []


async def test_alerts_rules_and_holds_pages(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    csrf = await sign_in(services, client, corp, "auditor", "compliance")
    refused = await client.post(
        f"{API}/rules",
        json={"name": "bad", "kind": "regex", "pattern": "(a+)+$"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 400
    created = await client.post(
        f"{API}/rules",
        json={"name": "回扣", "kind": "words", "pattern": "回扣"},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201
    await store(corp, [message(corp, "给你<i>回扣</i>")])
    page = await client.get("/console/compliance/alerts")
    assert page.status_code == 200
    assert "<mark>回扣</mark>" in page.text
    assert "&lt;i&gt;" in page.text
    (alert,) = await Alert.filter(corp_id=corp.id)
    ack = await client.post(f"/console/compliance/alerts/{alert.id}/ack", data={"csrf_token": csrf})
    assert ack.status_code == 303
    assert (await Alert.get(id=alert.id)).status == "acknowledged"
    hold = await client.post(
        "/console/compliance/holds",
        data={"kind": "customer", "subject": "wmHOLD00000000000000001", "csrf_token": csrf},
    )
    assert hold.status_code == 303
    assert await LegalHold.filter(corp_id=corp.id).count() == 1
    assert (await client.get("/console/compliance/holds")).status_code == 200


async def test_the_audit_page_is_for_admins(
    services: Services, client: httpx.AsyncClient, corp: Corp
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    await client.get(f"{API}/search", params={"q": "返现"})
    assert (await client.get("/console/compliance/audit")).status_code == 403
    await sign_in(services, client, corp, "boss", "admin")
    page = await client.get("/console/compliance/audit", params={"verify": "1"})
    assert page.status_code == 200
    assert "哈希链完整" in page.text  # the console speaks Chinese by default
    assert "auditor" in page.text
    verify = (await client.get(f"{API}/audit/verify")).json()
    assert verify["ok"] is True
    entries = (await client.get(f"{API}/audit")).json()["entries"]
    assert [e["action"] for e in entries][-2:] == ["denied", "search"]
    # the admin has no compliance role: searching is refused (and audited) for them too
    assert (await client.get(f"{API}/search", params={"q": "返现"})).status_code == 403


async def test_media_files_are_served_only_from_the_media_directory(
    services: Services, client: httpx.AsyncClient, corp: Corp, tmp_path: Path
) -> None:
    await sign_in(services, client, corp, "auditor", "compliance")
    (image,) = await store(corp, [message(corp, "图片 返现", msgtype="image")])
    media_dir = services.settings.media_dir
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "a.jpg").write_bytes(b"\xff\xd8jpeg")
    secret = tmp_path / "secret.txt"
    secret.write_text("not media")
    ok = await ArchiveMedia.create(
        corp=corp,
        msgid=image.msgid,
        sdkfileid="s1",
        fileid_hash="x1",
        status="done",
        path="a.jpg",
        msgtype="image",
    )
    escape = await ArchiveMedia.create(
        corp=corp,
        msgid=image.msgid,
        sdkfileid="s2",
        fileid_hash="x2",
        status="done",
        path="../secret.txt",
        msgtype="image",
    )
    hits = (await client.get(f"{API}/search", params={"q": "图片"})).json()["hits"]
    assert [m["id"] for m in hits[0]["media"]] == [ok.id, escape.id]
    served = await client.get(f"/console/compliance/media/{ok.id}")
    assert served.status_code == 200
    assert served.content == b"\xff\xd8jpeg"
    assert (await client.get(f"/console/compliance/media/{escape.id}")).status_code == 404
