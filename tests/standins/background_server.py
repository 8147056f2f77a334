# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP(S) server every stand-in endpoint runs on: served from a daemon thread between ``start()`` and
``stop()``, with an optional certificate whose handshake happens in the handler's thread."""

from __future__ import annotations

import ssl
import threading
from http.server import ThreadingHTTPServer


class BackgroundServer(ThreadingHTTPServer):
    """Subclasses give ``thread_name`` and their handler class."""

    daemon_threads = True
    allow_reuse_address = True
    thread_name = "standin"
    _thread = None

    def serve_tls(self, certificate):
        """Answer HTTPS with ``certificate`` (a (certificate file, key file) pair). The handshake happens in the
        handler's thread, so a client that refuses the certificate cannot stall the accept loop."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # the client did not trust the certificate: nothing to answer, as a real endpoint
        super().finish_request(request, client_address)

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join()
