"""Who hears of stored archive messages: listeners registered from outside the archive.

The archive writer announces the messages each transaction stored (new ones, and
parked or failed ones now decoded) **inside that transaction**, after storing them and
before it commits: a listener's own writes commit or roll back with the batch, and a
listener that raises rolls the batch back (search indexes this way, so a message is
searchable exactly when it is stored). Listeners must be idempotent: a batch fetched
again after a crash is announced again for the rows it did store.

The archive knows nothing of its listeners. The composition root adds them to
:data:`STORED_LISTENERS` at start-up (search's ingestion:
``STORED_LISTENERS.add(wecom_app.search.ingest.on_messages_stored)``), so the archive
never imports search.

Each message travels with the index terms its decoder process computed
(:class:`~wecom_app.text.message_terms.IndexTerms`, in :attr:`StoredMessages.terms`), so
a listener that indexes need not segment the text again in the storing process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Final, overload

from wecom_app.store.archive import ArchiveMessage
from wecom_app.text.message_terms import IndexTerms


class StoredMessages(Sequence[ArchiveMessage]):
    """The messages one transaction stored, in order, each with its index terms beside it.

    It *is* a sequence of the stored :class:`ArchiveMessage` rows, so a listener that
    wants only the rows iterates it; ``terms[i]`` belongs to ``self[i]`` (``None``: not
    computed, the listener computes what it needs).
    """

    __slots__ = ("_messages", "terms")

    def __init__(self) -> None:
        self._messages: list[ArchiveMessage] = []
        self.terms: list[IndexTerms | None] = []

    def add(self, message: ArchiveMessage, terms: IndexTerms | None) -> None:
        self._messages.append(message)
        self.terms.append(terms)

    def with_terms(self) -> Iterator[tuple[ArchiveMessage, IndexTerms | None]]:
        return zip(self._messages, self.terms, strict=True)

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[ArchiveMessage]:
        return iter(self._messages)

    @overload
    def __getitem__(self, index: int) -> ArchiveMessage: ...
    @overload
    def __getitem__(self, index: slice) -> list[ArchiveMessage]: ...
    def __getitem__(self, index: int | slice) -> ArchiveMessage | list[ArchiveMessage]:
        return self._messages[index]

    def __repr__(self) -> str:
        return f"StoredMessages({self._messages!r})"


StoredListener = Callable[[int, StoredMessages], Awaitable[None]]
"""``await listener(corp_pk, messages)``: the new messages of tenant ``corp_pk``."""


class StoredListeners:
    """The listeners of one process, called in the order they were added."""

    def __init__(self) -> None:
        self._listeners: list[StoredListener] = []

    def add(self, listener: StoredListener) -> None:
        """Announce stored messages to ``listener`` too (once, however often added)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove(self, listener: StoredListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def __contains__(self, listener: object) -> bool:
        return listener in self._listeners

    async def announce(self, corp_pk: int, messages: StoredMessages) -> None:
        """Tell every listener (none when nothing was stored); the first to raise stops it."""
        if not messages:
            return
        for listener in list(self._listeners):
            await listener(corp_pk, messages)


STORED_LISTENERS: Final = StoredListeners()
"""This process's listeners; the composition root adds them before anything is pulled."""


async def announce_stored(
    corp_pk: int, messages: StoredMessages, hook: StoredListener | None = None
) -> None:
    """Announce ``messages`` to ``hook`` alone when given (tests and tools that replace
    the registered listeners), else to :data:`STORED_LISTENERS`."""
    if hook is None:
        await STORED_LISTENERS.announce(corp_pk, messages)
    elif messages:
        await hook(corp_pk, messages)
