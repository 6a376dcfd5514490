"""A renewable KV lease: one puller per tenant at a time, across processes and hosts.

Correctness does not rest on it (the cursor moves by compare-and-set); the lease only
keeps two pullers from doing the same work.
"""

from __future__ import annotations

import secrets

from wecom_app.kv import KV


class Lease:
    """A renewable KV lease; :meth:`held` tells whether we still own it."""

    def __init__(self, kv: KV, name: str, ttl_s: float) -> None:
        self.kv = kv
        self.key = "lease:" + name
        self.ttl_s = ttl_s
        self.token = secrets.token_hex(8)

    async def acquire(self) -> bool:
        return await self.kv.set_if_absent(self.key, self.token, ttl=self.ttl_s)

    async def held(self) -> bool:
        value = await self.kv.get(self.key)
        return value == self.token.encode()

    async def renew(self) -> bool:
        # get-then-set is not atomic; the cursor's compare-and-set is what keeps two
        # pullers from storing twice, the lease only keeps them from trying.
        if not await self.held():
            return False
        await self.kv.set(self.key, self.token, ttl=self.ttl_s)
        return True

    async def release(self) -> None:
        if await self.held():
            await self.kv.delete(self.key)
