"""An SMTP server for Tocsin's email tests, built on aiosmtpd: stores what it receives, and
can require AUTH, offer STARTTLS or speak implicit TLS, and refuse some recipients.

    python3 smtp_server.py --port PORT [--dir DIR] [--starttls CERT KEY | --implicit-tls CERT KEY]
                           [--auth USER:PASSWORD]

Each accepted message is written to DIR as N.eml (the bytes received) and N.json (envelope,
TLS, login, peer, queue id), before the 250 reply, so a client that got 250 finds it there.
Without --dir messages are accepted and discarded (a sink for benchmarks).

Recipients whose local part starts with "reject" get 550, with "later" 451, and with "slow"
the DATA reply never comes (for timeouts).
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import secrets
import signal
import ssl
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, directory, implicit_tls):
        self.directory = directory
        self.implicit_tls = implicit_tls
        # A restarted server (after a crash test) numbers on after what is already there.
        stored = [int(n[:-4]) for n in os.listdir(directory) if n.endswith(".eml")] if directory else []
        self.counter = itertools.count(max(stored, default=0) + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith("later"):
            return f"451 4.3.0 <{address}>: Temporary lookup failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.split("@")[0].lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(3600)
        queue_id = secrets.token_hex(5).upper()
        if self.directory:
            self.store(session, envelope, queue_id)
        return f"250 2.0.0 Ok: queued as {queue_id}"

    def store(self, session, envelope, queue_id):
        n = next(self.counter)
        auth = getattr(session, "auth_data", None)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "login": auth.login.decode() if isinstance(auth, LoginPassword) else None,
            "peer": "%s:%s" % tuple(session.peer[:2]),
            "queue_id": queue_id,
        }
        base = os.path.join(self.directory, str(n))
        for suffix, data in ((".eml", envelope.original_content), (".json", json.dumps(meta).encode())):
            with open(base + suffix + ".tmp", "wb") as f:
                f.write(data)
            os.rename(base + suffix + ".tmp", base + suffix)


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password
        return AuthResult(success=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)
    return authenticate


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir")
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth", metavar="USER:PASSWORD")
    a = p.parse_args()
    # Refused TLS handshakes and aiosmtpd's own deprecation notices are expected in the tests.
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    kwargs = {}
    if a.starttls:
        kwargs["tls_context"] = tls_context(*a.starttls)
    if a.auth:
        user, password = a.auth.split(":", 1)
        kwargs["authenticator"] = authenticator_for(user, password)
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(a.starttls or a.implicit_tls)
    ssl_context = tls_context(*a.implicit_tls) if a.implicit_tls else None
    handler = Handler(a.dir, implicit_tls=bool(a.implicit_tls))
    controller = Controller(handler, hostname="127.0.0.1", port=a.port, ssl_context=ssl_context,
                            server_hostname="localhost", **kwargs)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
