"""Test-only ``sitecustomize``: forbid network connections in every Python process of a test run.

Put this folder on ``PYTHONPATH`` of a subprocess; the pipeline's steps and the report's Jupyter
kernel inherit the environment, so they are guarded too. Unix sockets are always allowed; TCP/UDP
to loopback (127.0.0.0/8, ::1) is allowed and recorded; anything else raises ``OSError`` and is
recorded as a violation in the file named by ``HARDENING_NET_LOG`` (one JSON object per line).

``HARDENING_TINY_BUDGET=<prefix>`` additionally shrinks the sampling budget of every
``bayes_iris.inference.fit`` whose model name starts with ``<prefix>`` (a deliberately
non-converged fit, to exercise the diagnostics warnings end to end).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys

_LOG = os.environ.get("HARDENING_NET_LOG")
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto
_real_bind = socket.socket.bind
_real_getaddrinfo = socket.getaddrinfo
_real_create_connection = socket.create_connection


def _record(kind: str, target: object, allowed: bool) -> None:
    if not _LOG:
        return
    line = json.dumps({"pid": os.getpid(), "argv": list(getattr(sys, "orig_argv", sys.argv))[:6], "kind": kind,
                       "target": repr(target), "allowed": allowed})
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _loopback_host(host: object) -> bool:
    if host in (None, "", "localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check(kind: str, sock_family: int | None, address: object) -> None:
    if sock_family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    ok = _loopback_host(host)
    _record(kind, address, ok)
    if not ok:
        raise OSError(f"network access disabled by the hardening tests ({kind} {address!r})")


def connect(self, address):
    _check("connect", self.family, address)
    return _real_connect(self, address)


def connect_ex(self, address):
    _check("connect", self.family, address)
    return _real_connect_ex(self, address)


def sendto(self, data, *args):
    _check("sendto", self.family, args[-1])
    return _real_sendto(self, data, *args)


def bind(self, address):
    # listening on every interface (0.0.0.0 / ::) would expose the machine: loopback only
    if self.family != getattr(socket, "AF_UNIX", object()):
        host = address[0] if isinstance(address, tuple) else address
        if host in ("", "0.0.0.0", "::"):
            _record("bind", address, False)
            raise OSError(f"bind to all interfaces disabled by the hardening tests ({address!r})")
    return _real_bind(self, address)


def getaddrinfo(host, *args, **kwargs):
    ok = _loopback_host(host)
    _record("getaddrinfo", host, ok)
    if not ok:
        raise socket.gaierror(f"name resolution disabled by the hardening tests ({host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):
    _check("create_connection", None, address)
    return _real_create_connection(address, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.socket.bind = bind
socket.getaddrinfo = getaddrinfo
socket.create_connection = create_connection
_record("guard-installed", None, True)


def _tiny_budget(prefix: str) -> None:
    import bayes_iris.inference as inference

    real_fit = inference.fit

    def fit(model, config, **kwargs):
        name = kwargs.get("name") or getattr(model, "name", "")
        if isinstance(name, str) and name.startswith(prefix):
            config = config.model_copy(update={"draws": 30, "tune": 30})
        return real_fit(model, config, **kwargs)

    inference.fit = fit


if os.environ.get("HARDENING_TINY_BUDGET"):
    _tiny_budget(os.environ["HARDENING_TINY_BUDGET"])
