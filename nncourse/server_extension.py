"""A Jupyter server extension for live controls: the browser keeps JupyterLab's favicons
instead of asking the server for one at every slider step, and the kernel's messages reach
the browser without waiting for an acknowledgement.

JupyterLab swaps the page's favicon (``favicon.ico`` <-> ``favicon-busy-1.ico``) each time
the kernel turns busy or idle: twice per change of a live control. Jupyter serves those
files with ``Cache-Control: no-cache``, so each swap is an HTTP request to the server, the
first one while the kernel draws the new picture. Marking ``<base_url>static/favicons/``
immutable (jupyter_server's own ``static_immutable_cache``, which takes whole URL paths,
so Binder's per-user base URL has to be added where it is known: here) ends the requests.

jupyter_server leaves Nagle's algorithm on for the kernel's WebSocket (tornado's default).
A new picture is one message of tens of kilobytes: its last, partial TCP segment waited for
the browser to acknowledge the ones before it, and Chromium delays its acknowledgements
(40 ms on Linux), so every other picture reached the page 35-45 ms late on loopback. The
connection class below switches Nagle off (``TCP_NODELAY``, tornado's ``set_nodelay``) as
each kernel WebSocket opens; jupyter_server's ``kernel_websocket_connection_class`` setting
is the documented place for it, and another class a deployment configured is kept.

Switched on by ``binder/student_view.py`` (``python3 course.py lab`` and Binder alike).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import (
    ZMQChannelsWebsocketConnection,
)
from jupyter_server.utils import url_path_join

MODULE = "nncourse.server_extension"


def favicon_path(base_url: str) -> str:
    """The URL path prefix of JupyterLab's favicons on a server at ``base_url``."""
    return url_path_join(base_url, "static", "favicons") + "/"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel WebSocket connection with Nagle's algorithm off."""

    def connect(self) -> Any:
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": MODULE}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    immutable = list(settings.get("static_immutable_cache") or [])
    path = favicon_path(serverapp.base_url)
    if path not in immutable:
        settings["static_immutable_cache"] = [*immutable, path]
    if settings.get("kernel_websocket_connection_class") is ZMQChannelsWebsocketConnection:
        settings["kernel_websocket_connection_class"] = NoDelayConnection
        serverapp.kernel_websocket_connection_class = NoDelayConnection  # closed at shutdown
