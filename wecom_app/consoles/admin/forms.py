"""Reading the admin console's form fields: trimmed, bounded text and lists."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile

from wecom_app.protocol.archive.errors import PrivateKeyError


def text(form: FormData, name: str, limit: int = 4096) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip()[:limit]


def items(form: FormData, name: str) -> list[str]:
    """A multi-value field, or a comma/space separated text field."""
    values: list[str] = []
    for item in form.getlist(name):
        if isinstance(item, str):
            values.extend(part for part in item.replace(",", " ").split() if part)
    return list(dict.fromkeys(values))


async def pem(form: FormData) -> str:
    pasted = text(form, "pem", 64 * 1024)
    if pasted:
        return pasted
    upload = form.get("pem_file")
    if isinstance(upload, UploadFile):
        raw = await upload.read(64 * 1024 + 1)
        if len(raw) > 64 * 1024:
            raise PrivateKeyError("the file is too large to be a private key")
        return raw.decode("utf-8", errors="replace")
    return ""
