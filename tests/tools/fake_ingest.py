#!/usr/bin/python3
"""A fake vigie-server ingest endpoint for the agent's fault tests (tests/integration/agent_faults.sh).

    fake_ingest.py PORT MODE RECORD-FILE

MODE:
  hang        accepts every connection and never reads nor answers (a server that hangs); each
              connection is recorded as a line "connect TIME".
  fail-first  answers 500 {"error": "cannot create ...: File name too long"} to every push of the first
              batch number it sees, and 200 to the others; records "SEQ STATUS" per request.
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE, RECORD = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LOCK = threading.Lock()


def record(line):
    with LOCK, open(RECORD, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def hang():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", PORT))
    s.listen(64)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)  # kept open, never read: the client waits for an answer that never comes
        record("connect %.3f" % time.time())


class FailFirst(BaseHTTPRequestHandler):
    first = None

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        try:
            seq = json.loads(body)["seq"]
        except (ValueError, KeyError, TypeError):
            seq = -1
        with LOCK:
            if FailFirst.first is None:
                FailFirst.first = seq
        if seq == FailFirst.first:
            status, reply = 500, {"error": "cannot create rrd/x/y.rrd: File name too long"}
        else:
            status, reply = 200, {"agent": "x", "seq": seq, "stored": 1}
        record("%s %d" % (seq, status))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if MODE == "hang":
    hang()
elif MODE == "fail-first":
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer(("127.0.0.1", PORT), FailFirst).serve_forever()
else:
    sys.exit("unknown mode " + MODE)
