"""A TCP proxy in front of the Kubernetes emulator that drops connections, for the reliability suite.

The emulator always answers (faults become HTTP errors), so a dropped connection needs something in
between. `DroppingProxy(upstream_port, drop_rate=..., seed=...)` listens on 127.0.0.1 and relays each
client connection to the emulator. A connection drawn for dropping (seeded, so runs repeat) reads the
client's first request and resets the connection without forwarding it: the client sees a reset and
no response. `url` is what a kubeconfig should point at; `dropped` counts the connections dropped.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading


class DroppingProxy:
    def __init__(self, upstream_port: int, *, drop_rate: float, seed: int = 0) -> None:
        self.upstream_port = upstream_port
        self.drop_rate = drop_rate
        self.dropped = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._closing = threading.Event()
        threading.Thread(target=self._accept, name="dropping-proxy", daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                doomed = self._random.random() < self.drop_rate
            threading.Thread(target=self._serve, args=(client, doomed), daemon=True).start()

    def _serve(self, client: socket.socket, doomed: bool) -> None:
        if doomed:
            # Read the request, then reset the connection (SO_LINGER 0): no answer ever comes.
            with contextlib.suppress(OSError):
                client.settimeout(5)
                client.recv(65536)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
            with self._lock:
                self.dropped += 1
            client.close()
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return

        def pump(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    with contextlib.suppress(OSError):
                        sock.close()

        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        pump(upstream, client)


_LINGER_ZERO = struct.pack("ii", 1, 0)
