"""The directory of each tenant: employees, customers, relations, tags, group chats.

Kept current by callbacks between full syncs (:mod:`wecom_app.sync` runs those); both
write through the modules here, so one answer from WeCom is stored one way:

- :mod:`.employees` — ``change_contact``: employees and departments, and the sync's lists;
- :mod:`.customers` — ``change_external_contact``: customers, the ends of relations,
  whether a customer is still followed;
- :mod:`.relations` — customers and follow relations written from WeCom's answers
  (a sync page, one ``externalcontact/get``), with what changed;
- :mod:`.tags` — ``change_external_tag``: the corp tag library;
- :mod:`.group_chats` — ``change_external_chat``: customer group chats and members;
- :mod:`.timeline` — a customer's timeline, written by every feature that sees a change;
- :mod:`.upsert` — multi-row upserts and column-sized values for the writes above.

The tables are the models in :mod:`wecom_app.store.directory`. The directory knows
nothing of the sync runs that call it.
"""
