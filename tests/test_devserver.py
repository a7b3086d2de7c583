"""The development servers (`make run`'s `manage.py devserver`, the browser tests' live server) send at
once on every connection (TCP_NODELAY): with Nagle's algorithm on, each response of a kept-alive
connection but the first waited ~40 ms for the client's delayed acknowledgement of its headers."""

import socket
from pathlib import Path

from django.core.management import get_commands, load_command_class
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from keystone.devserver import NoDelayThreadedWSGIServer, NoDelayWSGIServer

ROOT = Path(__file__).resolve().parent.parent


def _accepted_no_delay(server_cls) -> int:
    server = server_cls(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        with socket.create_connection(server.server_address[:2], timeout=5):
            accepted, _ = server.get_request()
            with accepted:
                return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()


def test_accepted_connections_send_at_once():
    assert _accepted_no_delay(WSGIServer) == 0  # Django's own: Nagle on
    assert _accepted_no_delay(NoDelayWSGIServer) != 0
    assert _accepted_no_delay(NoDelayThreadedWSGIServer) != 0


def test_make_run_serves_with_devserver_which_is_runserver_with_whitenoise_serving_static_files():
    assert 'manage.py devserver "127.0.0.1:${PORT}"' in (ROOT / "scripts" / "run-demo").read_text()
    assert get_commands()["devserver"] == "keystone"
    command = load_command_class("keystone", "devserver")
    assert command.server_cls is NoDelayWSGIServer
    parser = command.create_parser("manage.py", "devserver")
    assert parser.get_default("use_static_handler") is False  # as runserver here: WhiteNoise serves them
    assert isinstance(command, type(load_command_class("whitenoise.runserver_nostatic", "runserver")))
