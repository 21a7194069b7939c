#!/usr/bin/python3
"""webhook_sink.py: an HTTP server on 127.0.0.1 that records webhook POSTs for the
transport tests. It checks nothing itself (the test verifies signatures on its own).

  webhook_sink.py --dir DIR --port-file FILE

Each POST is written to DIR as NNNN.body (the raw body) and NNNN.json (method, path and
headers, as a list of [name, value] pairs), each file written whole under a temporary
name then renamed, .json last; the answer is 200 with {"ok":true}. While DIR/fail
exists, a POST is answered with the status in its first line (default 500) and its
remaining lines as the body, and recorded with "answered" set. DIR/redirect holding a
URL makes the answer a 302 to it. The port is written to FILE (atomically) and printed
once ready. It runs until killed (SIGTERM).
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    count = 0
    directory = "."

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        status, answer, extra = 200, b'{"ok":true}', []
        fail = os.path.join(self.directory, "fail")
        redirect = os.path.join(self.directory, "redirect")
        if os.path.exists(fail):
            with open(fail) as f:
                lines = f.read().split("\n", 1)
            status = int(lines[0].strip() or 500)
            answer = (lines[1] if len(lines) > 1 else "failing on purpose").encode()
        elif os.path.exists(redirect):
            with open(redirect) as f:
                extra.append(("Location", f.read().strip()))
            status, answer = 302, b"moved"
        with Sink.lock:
            Sink.count += 1
            base = os.path.join(self.directory, "%04d" % Sink.count)
        write_atomic(base + ".body", body)
        meta = {"method": "POST", "path": self.path, "answered": status,
                "headers": [[k, v] for k, v in self.headers.items()]}
        write_atomic(base + ".json", json.dumps(meta).encode())
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    Sink.directory = a.dir
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    port = srv.server_address[1]
    write_atomic(a.port_file, b"%d\n" % port)
    print(port, flush=True)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
