"""Sans-I/O WeCom protocol core: no network, no database, no clock of its own.

Everything here takes bytes/strings in and gives typed values out, so it can be
tested with scripted input (the httpcore / h11 way).
"""
