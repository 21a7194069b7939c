#!/usr/bin/python3
"""A next_due_api service on 127.0.0.1 for tests/daemon/nextdue.sh.

usage: nextdue_server.py DIR
Listens on a free port and writes it to DIR/port. Each GET is appended to DIR/calls
(one line: the path). When DIR/db names a repository, each GET of /seq/NAME also appends
to DIR/NAME.seen the number of scheduled instances job nd-NAME has in it at that moment.
Paths:
  /seq/NAME     answers the lines of DIR/NAME.answers in turn (200, text/plain), one per
                GET, the last one again once they are used up
  /status/CODE  answers HTTP CODE with a JSON problem body
  /hang         never answers (the client's timeout ends it)
"""
import json
import sqlite3
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()
NEXT = {}  # NAME -> index of its next answer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body, ctype="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            with open(os.path.join(DIR, "calls"), "a") as f:
                f.write(self.path + "\n")
        parts = self.path.strip("/").split("/")
        if parts[0] == "seq" and len(parts) == 2 and os.path.exists(os.path.join(DIR, "db")):
            with open(os.path.join(DIR, "db")) as f:
                db = sqlite3.connect(f.read().strip(), timeout=10)
            n = db.execute("SELECT count(*) FROM instances WHERE job = ? AND scheduled = 1",
                           ("nd-" + parts[1],)).fetchone()[0]
            db.close()
            with LOCK:
                with open(os.path.join(DIR, parts[1] + ".seen"), "a") as f:
                    f.write("%d\n" % n)
        if parts[0] == "seq" and len(parts) == 2:
            with open(os.path.join(DIR, parts[1] + ".answers")) as f:
                lines = f.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            with LOCK:
                i = NEXT.get(parts[1], 0)
                NEXT[parts[1]] = i + 1
            self.answer(200, lines[min(i, len(lines) - 1)])
        elif parts[0] == "status" and len(parts) == 2:
            self.answer(int(parts[1]),
                        json.dumps({"error": "TestError", "message": "the test says " + parts[1]}),
                        "application/problem+json")
        elif parts[0] == "hang":
            time.sleep(3600)
        else:
            self.answer(404, "no such path")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
