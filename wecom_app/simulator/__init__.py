"""A faithful fake WeCom: API server, callback sender, archive source.

Only tests, ``bench/`` and the ``demo`` command import this package.
"""
