#!/usr/bin/env python3
"""tests/cluster/relay.py: a TCP relay between one batchd node and PostgreSQL, which a
cluster test can cut to take the node off the database (tests/cluster/chaos.sh).

    relay.py TARGET_PORT CUT_FILE PORT_FILE

Listens on 127.0.0.1 at a port the system picks (written to PORT_FILE) and relays each
connection to 127.0.0.1:TARGET_PORT. While CUT_FILE exists, every relayed connection is
closed and new ones are closed at once: the node sees its statements fail. Runs until
killed."""
import os
import selectors
import socket
import sys

target, cut_file, port_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % lsock.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
sel = selectors.DefaultSelector()
sel.register(lsock, selectors.EVENT_READ, None)
peers = {}  # socket -> its other end


def drop(s):
    other = peers.pop(s, None)
    for x in (s, other):
        if x is None:
            continue
        peers.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


while True:
    cut = os.path.exists(cut_file)
    if cut:
        for s in list(peers):
            drop(s)
    for key, _ in sel.select(timeout=0.1):
        s = key.fileobj
        if s is lsock:
            c, _ = lsock.accept()
            if cut:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", target))
            except OSError:
                c.close()
                continue
            peers[c], peers[u] = u, c
            sel.register(c, selectors.EVENT_READ, None)
            sel.register(u, selectors.EVENT_READ, None)
            continue
        if s not in peers:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            drop(s)
            continue
        try:
            peers[s].sendall(data)
        except OSError:
            drop(s)
