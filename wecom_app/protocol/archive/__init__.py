"""Chat archive (会话内容存档), sans-I/O: GetChatData records, key handling, normalising.

wecom-protocol.md §6. The pipeline for one record, and the module of each step::

    GetChatData JSON ──chatdata.parse_chat_data──▶ ChatData
    ChatData.encrypt_random_key ──keys.decrypt_random_key(keys[publickey_ver])──▶ random key
    (random key, encrypt_chat_msg) ──source.decrypt (the SDK's DecryptData)──▶ plaintext
    plaintext ──normalise.normalise_message──▶ records.ArchiveRecord

* :mod:`.errors` — the archive's protocol errors (codes of the Finance SDK's table);
* :mod:`.chatdata` — GetChatData answers → :class:`~.chatdata.ChatData` records;
* :mod:`.keys` — archive RSA private keys and the random key of each record;
* :mod:`.records` — the normalised message (:class:`~.records.ArchiveRecord`) and its parts;
* :mod:`.bodies` — per message type: where its body lives, its searchable text, its media;
* :mod:`.normalise` — a decrypted message → :class:`~.records.ArchiveRecord`;
* :mod:`.fields` — reading WeCom's loosely typed JSON fields.

Only the middle step that needs WeCom's unpublished algorithm lives outside this package
(in an archive source). Everything here takes bytes/strings and returns typed values;
nothing does I/O or reads a clock.

Three rules shape the code:

* **Nothing is dropped.** A malformed record in a batch is reported on its own
  (:class:`~.chatdata.BadChatData`) next to the good ones; a message type we do not know
  is kept whole in ``body`` with ``unknown=True``; a known type with odd fields still
  becomes a record, with what was odd listed in ``problems``.
* **A missing key is not a broken message.** :class:`~.errors.MissingKeyVersion` (park
  it, ask the admin for the old key) is distinct from :class:`~.errors.BadRandomKey` (the
  data or the key is wrong).
* **Derived facts are computed once, here**: conversation key, who is a customer, the
  customer of a 1:1 chat, direction, and the media to fetch.
"""
