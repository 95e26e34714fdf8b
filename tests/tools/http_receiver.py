#!/usr/bin/python3
"""A tiny HTTP receiver for the alerting tests: answers 200 to every POST/GET and appends one JSON
line per request ({"method", "path", "content_type", "body", "t": arrival time in seconds}) to the
record file.

    http_receiver.py PORT RECORD-FILE [--hang]

--hang: a receiver that hangs: it records each request, then never answers (the connection stays
open until the client gives up). Requests are served in threads, so that every attempt is recorded.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

HANG = "--hang" in sys.argv[3:]


class Handler(BaseHTTPRequestHandler):
    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        with open(sys.argv[2], "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "content_type": self.headers.get("Content-Type", ""), "body": body,
                                "t": time.time()}) + "\n")
        if HANG:
            time.sleep(3600)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n")

    do_POST = record
    do_GET = record

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer if HANG else HTTPServer
if HANG:
    ThreadingHTTPServer.daemon_threads = True
server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
