"""``wecom-app demo``: the product against the built-in WeCom simulator, no credentials.

What it runs, in one process, on a fresh machine:

1. migrates the embedded database under ``./data/`` (or ``DATABASE_URL``);
2. serves the WeCom simulator (its API, OAuth pages and callback sender) on its own
   port, with a seeded demo org: a few hundred customers with Chinese names, the corp
   tag library, customer group chats — the same org every run;
3. serves the app with ``WECOM_API_BASE`` pointing at the simulator and a third-party
   suite configured (credentials generated once into ``data/demo.json``);
4. installs the suite into the demo org through the real flow: WeCom pushes the suite
   ticket → our install link (suite token, pre-auth code) → the admin installs → the
   browser comes back to ``/console/install/return`` with the auth code *and* WeCom
   pushes ``create_auth`` with the same code → one permanent-code exchange → a tenant;
5. the initial full sync runs as a background job (progress printed);
6. WeCom pushes a few live callbacks — a new customer, a deletion, a tag change, a
   customer joining a group chat — and their timeline entries are printed;
7. gives the tenant a chat archive of the same company (its employees, customers and
   groups; the archive feature's
   :func:`~wecom_app.demo.archive.enable_demo_archive`) and pulls it;
8. prints the URLs to open (the admin and compliance consoles, the sidebar preview,
   metrics, the simulator).

The demo is a composition root: it builds the product and the simulator side by side
and is the only product code that may import the simulator. :mod:`.run` serves both and
drives the run, :mod:`.steps` holds steps 1–6 (install, first sync, live callbacks),
:mod:`.archive` step 7.
"""
