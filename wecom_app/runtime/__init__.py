"""The composition root of a process: the core services and what is built around them.

:class:`Runtime` takes a started-or-not :class:`~wecom_app.services.Services` and builds
the faces that run in the background of a process — the callback spine (endpoint
resolver, inbox writer, handler registry, inbox worker) and the scheduler with every
feature's jobs — connects them to the core's hooks, and starts and stops them with the
services. ``wecom_app.app.create_app`` serves HTTP from one; ``wecom-app worker`` and
the tests drive one directly.
"""

from __future__ import annotations

from wecom_app.runtime.process import Runtime

__all__ = ["Runtime"]
