"""A loopback TCP proxy that fault tests put between a process and PostgreSQL or Redis.

It forwards bytes both ways until told otherwise:
- `cut()` closes every open connection (both sides), as when the server goes away;
- `refuse()` makes new connections fail at once (accepted, then closed) until `restore()`;
- `stall()` accepts new connections and forwards nothing (a server that never answers);
- `restore()` forwards new connections again.

Threads, not asyncio: the proxy must keep running while the test's own thread blocks.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading

FORWARD = "forward"
REFUSE = "refuse"
STALL = "stall"
BUFFER_BYTES = 65536


class TcpProxy:
    def __init__(self, *, target_host: str, target_port: int, host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.host = host
        self.mode = FORWARD
        self.accepted = 0  # connections accepted since start, whatever the mode
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the proxy is not running")
        return self._listener.getsockname()[1]

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(128)
        listener.settimeout(0.2)
        self._listener = listener
        self._spawn(self._accept_loop, "tcp-proxy-accept")
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.cut()
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener = None

    def cut(self) -> int:
        """Close every open connection; returns how many sockets were closed."""
        with self._lock:
            sockets = list(self._open)
            self._open.clear()
        for sock in sockets:
            _close(sock)
        return len(sockets)

    def refuse(self) -> None:
        self.mode = REFUSE

    def stall(self) -> None:
        self.mode = STALL

    def restore(self) -> None:
        self.mode = FORWARD

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    # --- inside the proxy ---------------------------------------------------------------------

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed by stop()
            self.accepted += 1
            if self.mode == REFUSE:
                _close(client)
                continue
            with self._lock:
                self._open.add(client)
            if self.mode == STALL:
                continue  # held open, never forwarded, until cut() or stop()
            self._spawn(self._connect_and_pump, "tcp-proxy-pump", client)

    def _connect_and_pump(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._forget(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if client not in self._open:  # cut while we were connecting
                _close(upstream)
                return
            self._open.add(upstream)
        self._pump(client, upstream)

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                selector.register(sock, selectors.EVENT_READ)
            try:
                while not self._stopping.is_set():
                    for key, _ in selector.select(timeout=0.2):
                        data = key.fileobj.recv(BUFFER_BYTES)
                        if not data:
                            return
                        peers[key.fileobj].sendall(data)
            except (OSError, ValueError):
                return  # a side closed, or cut() closed both
            finally:
                self._forget(client, upstream)

    def _forget(self, *sockets: socket.socket) -> None:
        with self._lock:
            for sock in sockets:
                self._open.discard(sock)
        for sock in sockets:
            _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
