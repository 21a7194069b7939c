#!/usr/bin/python3
"""smtp_sink.py: an SMTP server on 127.0.0.1 for the transport tests (aiosmtpd).

Each accepted message is written to DIR as NNNN.eml (the raw data) and NNNN.json
(envelope: mail_from, rcpt_tos, the authenticated user, whether the session was TLS),
each file written whole under a temporary name then renamed, .json last.

  smtp_sink.py --dir DIR --port-file FILE [--user U --password-file P]
               [--tls-cert C --tls-key K (--starttls | --smtps)]

--user: AUTH PLAIN/LOGIN offered and required; only U with the password in P passes
  (allowed without TLS: the test runs on loopback). A refused login is recorded in
  DIR/auth-failures (one line per attempt, the user name only).
--echo-password: a refused login is answered "535 5.7.8 bad password <password tried>
  for <user>", as a careless server might (to test that the client masks it).
--starttls: STARTTLS offered and required before MAIL; --smtps: TLS from the start.
While DIR/fail-data exists, DATA is answered with its content (e.g. "451 4.3.0 try
later"), so a test can make delivery fail and then recover by removing the file.
The listening port is written to FILE (atomically) and printed once ready. It runs
until killed (SIGTERM).
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler:
    def __init__(self, directory):
        self.dir = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        flag = os.path.join(self.dir, "fail-data")
        if os.path.exists(flag):
            with open(flag) as f:
                reply = f.read().strip() or "451 4.3.0 try again later"
            return reply
        self.count += 1
        base = os.path.join(self.dir, "%04d" % self.count)
        write_atomic(base + ".eml", envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": getattr(session, "auth_data", None) and session.auth_data.decode(),
            # STARTTLS sets session.ssl; implicit TLS (--smtps) shows on the transport.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
        }
        write_atomic(base + ".json", json.dumps(meta).encode())
        return "250 2.0.0 OK queued as sink-%04d" % self.count


def make_authenticator(directory, user, password, echo):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            if auth_data.login.decode() == user and auth_data.password.decode() == password:
                return AuthResult(success=True, auth_data=auth_data.login)
            with open(os.path.join(directory, "auth-failures"), "a") as f:
                f.write("%s %s\n" % (mechanism, auth_data.login.decode(errors="replace")))
            if echo:  # a careless server repeating the password tried
                return AuthResult(success=False, handled=False, message=(
                    "535 5.7.8 bad password %s for %s" % (
                        auth_data.password.decode(errors="replace"),
                        auth_data.login.decode(errors="replace"))))
        return AuthResult(success=False, handled=False)

    return authenticate


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("--echo-password", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--starttls", action="store_true")
    mode.add_argument("--smtps", action="store_true")
    a = ap.parse_args()

    ctx = None
    if a.starttls or a.smtps:
        if not (a.tls_cert and a.tls_key):
            ap.error("--starttls and --smtps need --tls-cert and --tls-key")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    kw = {"hostname": "sink.test", "auth_require_tls": False}
    if a.user:
        if not a.password_file:
            ap.error("--user needs --password-file")
        with open(a.password_file) as f:
            password = f.read().rstrip("\n")
        kw["authenticator"] = make_authenticator(a.dir, a.user, password, a.echo_password)
        kw["auth_required"] = True
    if a.starttls:
        kw["tls_context"] = ctx
        kw["require_starttls"] = True

    handler = Handler(a.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **kw), host="127.0.0.1", port=0,
        ssl=ctx if a.smtps else None)
    port = server.sockets[0].getsockname()[1]
    write_atomic(a.port_file, b"%d\n" % port)
    print(port, flush=True)

    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
