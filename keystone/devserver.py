"""Django's development servers (`make run`'s, and the live server of the browser tests) without a 40 ms
pause on every request of a kept-alive connection.

wsgiref sends a response's headers and its body in two writes. With Nagle's algorithm on, the body waits
until the client acknowledges the headers, and the client delays that acknowledgement by ~40 ms: every
page, htmx partial and asset after a connection's first one waited that long. gunicorn, the production
server, sets TCP_NODELAY itself; these servers now do too."""

import socket

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIServer


class NoDelay:
    """A socketserver mixin: every accepted connection sends at once (TCP_NODELAY)."""

    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class NoDelayWSGIServer(NoDelay, WSGIServer):
    """For runserver (`manage.py devserver`), which adds threading itself."""


class NoDelayThreadedWSGIServer(NoDelay, ThreadedWSGIServer):
    """For the tests' live server (Django's LiveServerThread.server_class)."""
