"""One TLS context for the process's NetSuite connections (and the testbed's mock-control clients).

httpx builds a context for every client it creates, loading certifi's bundle anew (about 20 ms of CPU): an
engine opened for each single sync, each replayed scenario and each TUI check paid it again. A context may be
shared by any number of clients; SSL_CERT_FILE and SSL_CERT_DIR still apply (httpx's trust_env), read once.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
