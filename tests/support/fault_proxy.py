"""A fault-injecting proxy on loopback: the network the sync tests run through.

It terminates TLS with a certificate from the test CA (so the desk still does
a real, verified TLS handshake) and opens its own TLS connection to the API,
which lets it see where each HTTP exchange begins and ends and break it at
an exact point:

- ``DELAY``: hold the request for ``delay_s`` before forwarding it;
- ``CUT_MID_RESPONSE``: forward the request, send half the response, close;
- ``RESET``: swallow the request and reset the TCP connection (SO_LINGER 0);
- ``BLACK_HOLE``: swallow the request and say nothing for ``black_hole_s``;
- ``LOSE_RESPONSE``: forward the request, let the server answer (it has
  committed), swallow the answer and close: the client never learns.

Faults come from a queue (``inject``) or at random (``random_faults``), one
per HTTP exchange; ``go_offline`` resets every connection, old and new, until
``go_online``. ``counts`` says what was injected, so a test can show its
faults really happened.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import struct
import threading
from collections import Counter, deque
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import h11

_CHUNK = 65536


class Fault(StrEnum):
    NONE = "none"
    DELAY = "delay"
    CUT_MID_RESPONSE = "cut_mid_response"
    RESET = "reset"
    BLACK_HOLE = "black_hole"
    LOSE_RESPONSE = "lose_response"


EVERY_FAULT: tuple[Fault, ...] = (Fault.DELAY, Fault.CUT_MID_RESPONSE, Fault.RESET, Fault.BLACK_HOLE,
                                  Fault.LOSE_RESPONSE)


class _Hangup(Exception):
    """The exchange ends here: the connection is closed (on purpose or by a peer)."""


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], *, server_context: ssl.SSLContext | None = None,
                 upstream_context: ssl.SSLContext | None = None, upstream_host: str = "127.0.0.1",
                 delay_s: float = 0.3, black_hole_s: float = 3.0) -> None:
        self.upstream = upstream
        self.server_context = server_context
        self.upstream_context = upstream_context
        self.upstream_host = upstream_host
        self.delay_s = delay_s
        self.black_hole_s = black_hole_s
        self.counts: Counter[Fault] = Counter()
        self._queue: deque[Fault] = deque()
        self._aimed: deque[tuple[bytes, bytes, Fault]] = deque()
        self._rate = 0.0
        self._kinds: Sequence[Fault] = EVERY_FAULT
        self._rng = random.Random(0)
        self._offline = False
        self.connections = 0  # TCP connections accepted (refused ones too, while offline)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._acceptor = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)

    # --- control ---------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"{'https' if self.server_context else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            # close() alone leaves accept() blocked in the other thread on Linux.
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        self._drop_all()
        self._acceptor.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        """Apply these faults, in order, to the next exchanges."""
        with self._lock:
            self._queue.extend(faults)

    def inject_at(self, method: str, target: str, *faults: Fault) -> None:
        """Apply these faults, in order, to the next exchanges whose request is ``method`` on a target
        starting with ``target``; other exchanges pass (or take the plain queue)."""
        with self._lock:
            self._aimed.extend((method.encode(), target.encode(), fault) for fault in faults)

    def random_faults(self, rate: float, *, rng: random.Random, kinds: Sequence[Fault] = EVERY_FAULT) -> None:
        """From now on, break each exchange with probability ``rate`` by one of ``kinds``."""
        with self._lock:
            self._rate, self._rng, self._kinds = rate, rng, tuple(kinds)

    def calm(self) -> None:
        """No more faults (queued, aimed or random)."""
        with self._lock:
            self._rate = 0.0
            self._queue.clear()
            self._aimed.clear()

    def go_offline(self) -> None:
        """The line is down: reset every open connection and every new one."""
        with self._lock:
            self._offline = True
        self._drop_all()

    def go_online(self) -> None:
        with self._lock:
            self._offline = False

    @property
    def injected(self) -> int:
        return sum(n for fault, n in self.counts.items() if fault is not Fault.NONE)

    # --- plumbing --------------------------------------------------------------

    def _drop_all(self) -> None:
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            _reset(sock)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, *socks: socket.socket | None) -> None:
        with self._lock:
            for sock in socks:
                if sock is not None:
                    self._sockets.discard(sock)

    def _next_fault(self, request: h11.Request | None = None) -> Fault:
        with self._lock:
            aimed = next((entry for entry in self._aimed if request is not None
                          and request.method == entry[0] and request.target.startswith(entry[1])), None)
            if aimed is not None:
                self._aimed.remove(aimed)
                fault = aimed[2]
            elif self._queue:
                fault = self._queue.popleft()
            elif self._rate and self._rng.random() < self._rate:
                fault = self._rng.choice(self._kinds)
            else:
                fault = Fault.NONE
            self.counts[fault] += 1
            return fault

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                offline = self._offline
                self.connections += 1
            if offline:
                _reset(raw)
                continue
            threading.Thread(target=self._serve, args=(raw,), name="fault-proxy-conn", daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        self._track(raw)
        client: socket.socket = raw
        upstream: socket.socket | None = None
        try:
            raw.settimeout(30)
            if self.server_context is not None:
                client = self.server_context.wrap_socket(raw, server_side=True)
                self._track(client)
            upstream = socket.create_connection(self.upstream, timeout=30)
            if self.upstream_context is not None:
                upstream = self.upstream_context.wrap_socket(upstream, server_hostname=self.upstream_host)
            self._track(upstream)
            self._relay(client, upstream)
        except (_Hangup, OSError, h11.ProtocolError):
            pass
        finally:
            self._untrack(raw, client, upstream)
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        from_client = h11.Connection(h11.SERVER)
        to_upstream = h11.Connection(h11.CLIENT)
        while True:
            request = self._read_message(client, from_client, request_side=True)
            if request is None:
                return
            fault = self._next_fault(next((e for e in request if isinstance(e, h11.Request)), None))
            if fault is Fault.RESET:
                _reset(client)
                raise _Hangup
            if fault is Fault.BLACK_HOLE:
                self._stop.wait(self.black_hole_s)
                raise _Hangup
            if fault is Fault.DELAY:
                self._stop.wait(self.delay_s)
            upstream.sendall(b"".join(to_upstream.send(event) for event in request if event is not None))
            if fault in (Fault.NONE, Fault.DELAY):
                # Passed on as it arrives: a change stream's events must reach the desk before it ends.
                self._pass_on(upstream, to_upstream, client, from_client)
                if from_client.our_state is h11.MUST_CLOSE or to_upstream.our_state is h11.MUST_CLOSE:
                    return
                from_client.start_next_cycle()
                to_upstream.start_next_cycle()
                continue
            response = self._read_message(upstream, to_upstream, request_side=False)
            if response is None:
                raise _Hangup
            answer = b"".join(from_client.send(event) for event in response if event is not None)
            if fault is Fault.LOSE_RESPONSE:
                raise _Hangup
            if fault is Fault.CUT_MID_RESPONSE:
                client.sendall(answer[: max(1, len(answer) // 2)])
                raise _Hangup
            client.sendall(answer)
            if from_client.our_state is h11.MUST_CLOSE or to_upstream.our_state is h11.MUST_CLOSE:
                return
            from_client.start_next_cycle()
            to_upstream.start_next_cycle()

    @staticmethod
    def _pass_on(upstream: socket.socket, to_upstream: h11.Connection, client: socket.socket,
                 from_client: h11.Connection) -> None:
        """Relay one response from ``upstream`` to ``client`` event by event, until its end."""
        while True:
            event = to_upstream.next_event()
            if event is h11.NEED_DATA:
                data = upstream.recv(_CHUNK)
                to_upstream.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise _Hangup
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                event = h11.Response(status_code=event.status_code, headers=list(event.headers),
                                     reason=event.reason)
            data = from_client.send(event)
            if data:
                client.sendall(data)
            if isinstance(event, h11.EndOfMessage):
                return

    @staticmethod
    def _read_message(sock: socket.socket, conn: h11.Connection, *,
                      request_side: bool) -> list[h11.Event | None] | None:
        """One whole HTTP message (head, body, end) from ``sock``; None if the peer closed first."""
        events: list[h11.Event | None] = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = sock.recv(_CHUNK)
                conn.receive_data(data)
                if not data and not events:
                    return None
                continue
            if isinstance(event, h11.ConnectionClosed):
                return None
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response | h11.Request):
                headers = [(name, value) for name, value in event.headers]
                event = (h11.Request(method=event.method, target=event.target, headers=headers)
                         if request_side else
                         h11.Response(status_code=event.status_code, headers=headers, reason=event.reason))
            events.append(event)
            if isinstance(event, h11.EndOfMessage):
                return events


def proxy_in_front_of(live: Any, **options: Any) -> FaultProxy:
    """A proxy (start it with ``with``) between desks and the live API, showing desks a certificate from its CA."""
    facing_desks = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    facing_desks.load_cert_chain(live.tls.cert_path, live.tls.key_path)
    facing_api = ssl.create_default_context(cafile=live.ca_path)
    return FaultProxy(("127.0.0.1", live.port), server_context=facing_desks, upstream_context=facing_api,
                      **options)
