#!/usr/bin/env python3
"""Hostile clients for the soak (tests/soak/README.md), from their own loopback address so that the
server's per-address connection limit is theirs, not the agents': idle connections that send a header
byte now and then (slowloris), bad tokens, garbage JSON with a valid token, oversize bodies, unknown
methods. Runs until SIGTERM, then prints what it sent and the answers it got.

usage: hostile.py SOURCE-ADDRESS SERVER-ADDRESS PORT VALID-TOKEN"""
import collections
import http.client
import json
import random
import signal
import socket
import sys
import threading
import time

SRC, HOST, PORT, TOKEN = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
IDLE = 48  # under the server's max_connections_per_ip (64) for this address, leaving room for the others
BURST = 100  # for 10 s a minute: past the limit
stop = threading.Event()
counts = collections.Counter()
lock = threading.Lock()


def count(key):
    with lock:
        counts[key] += 1


def slowloris():
    socks = []
    start = time.monotonic()
    while not stop.is_set():
        want = BURST if (time.monotonic() - start) % 60 < 10 else IDLE
        while len(socks) > want:
            socks.pop().close()
        while len(socks) < want and not stop.is_set():
            try:
                s = socket.create_connection((HOST, PORT), timeout=2, source_address=(SRC, 0))
                s.sendall(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\n")
                socks.append(s)
                count("idle connections opened")
            except OSError:
                count("idle connections refused")
                break
        for s in list(socks):
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                socks.remove(s)
                s.close()
                count("idle connections closed by the server")
        stop.wait(3)
    for s in socks:
        s.close()


def request(method, path, body, headers):
    c = http.client.HTTPConnection(HOST, PORT, timeout=5, source_address=(SRC, 0))
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        r.read()
        return str(r.status)
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__
    finally:
        c.close()


def garbage(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 400)))


def abuser(seed):
    rng = random.Random(seed)
    big = b" " * (9 << 20)
    while not stop.is_set():
        kind = rng.randrange(6)
        if kind == 0:
            name, r = "bad token", request("POST", "/api/v1/ingest", b"{}", {"Authorization": "Bearer nope-nope-nope-nope"})
        elif kind == 1:
            name, r = "garbage JSON, valid token", request("POST", "/api/v1/ingest", garbage(rng),
                                                          {"Authorization": "Bearer " + TOKEN})
        elif kind == 2:
            batch = {"agent": "hostile", "seq": rng.randint(1, 1 << 40), "devices": [],
                     "samples": [{"device": "x" * 300, "metric": "no.such", "value": "NaN"}]}
            name, r = "invalid batch, valid token", request("POST", "/api/v1/ingest", json.dumps(batch),
                                                           {"Authorization": "Bearer " + TOKEN,
                                                            "Content-Type": "application/json"})
        elif kind == 3:
            tok = TOKEN if rng.random() < 0.5 else "wrong-token-wrong-token"
            name, r = "9 MiB body", request("POST", "/api/v1/ingest", big, {"Authorization": "Bearer " + tok})
        elif kind == 4:
            name, r = "PATCH with a body", request("PATCH", "/api/v1/ingest", b"x" * 100, {})
        else:
            name, r = "no token", request("GET", "/api/v1/latest", None, {})
        count("%s: %s" % (name, r))
        stop.wait(rng.uniform(0.05, 0.5))


def main():
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [threading.Thread(target=slowloris, daemon=True)]
    threads += [threading.Thread(target=abuser, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    while not stop.is_set():
        stop.wait(1)
    for t in threads:
        t.join(10)
    for k, v in sorted(counts.items()):
        print("%8d  %s" % (v, k))
    sys.stdout.flush()


main()
