"""Event handlers, one module per feature; each module's ``register`` adds its own.

The registry refuses a second handler for the same event, so two features can never
both claim one (say, ``change_external_contact:transfer_fail``) without noticing.
"""

from __future__ import annotations

from callbacks.handlers import archive, contacts, directory, suite, transfer
from callbacks.registry import HandlerRegistry


def default_registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    for module in (suite, contacts, directory, archive, transfer):
        module.register(registry)
    return registry
