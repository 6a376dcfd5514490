"""The sidebar's HTTP handlers, one module per page or API (each lists its routes once).

:mod:`sidebar.routes` puts the modules' route lists together; :mod:`sidebar.site`
holds what they share (the running service, templates, the guards).
"""
