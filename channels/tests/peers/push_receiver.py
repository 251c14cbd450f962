"""A Web Push user agent and push service in one, on loopback, for Tocsin's tests.

It holds one subscription key pair (served at GET /subscription), checks each push's VAPID
token on its own (RFC 8292: ES256 signature, aud = this origin, exp within 24 hours, sub a
contact), decrypts the body with http_ece (RFC 8291), and records what it received
(GET /records). POST /control/respond {"path", "status", "retryAfter"} makes it answer a path
with a given status instead, to test how the sender handles refusals.

Usage: python3 push_receiver.py PORT [STATE_DIR]

With STATE_DIR the subscription's keys are kept there (a restarted receiver is the same
subscriber) and every push received is appended to STATE_DIR/records.jsonl before it is
answered, so a test can count what arrived across a crash.
"""

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

STATE = sys.argv[2] if len(sys.argv) > 2 else None


def keys():
    """The subscription's key pair and auth secret: kept in STATE when given, else new."""
    path = STATE and os.path.join(STATE, "keys.pem")
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            pem, auth = f.read().split(b"\n--auth--\n")
        return serialization.load_pem_private_key(pem, password=None), base64.b64decode(auth)
    private, auth = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    if path:
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with open(path, "wb") as f:
            f.write(pem + b"\n--auth--\n" + base64.b64encode(auth))
    return private, auth


PRIVATE, AUTH = keys()
PUBLIC = PRIVATE.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
RECORDS = []
RESPONSES = {}
LOCK = threading.Lock()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_vapid(authorization, origin):
    """The token's claims if its signature and claims are right; raises ValueError if not."""
    if not authorization or not authorization.startswith("vapid "):
        raise ValueError("no vapid Authorization header")
    params = dict(p.strip().split("=", 1) for p in authorization[len("vapid "):].split(","))
    token, key = params["t"], params["k"]
    header, claims, signature = token.split(".")
    if json.loads(unb64(header)) != {"typ": "JWT", "alg": "ES256"}:
        raise ValueError("the JWT header is not ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    raw = unb64(signature)
    if len(raw) != 64:
        raise ValueError("the signature is not 64 bytes (r||s)")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the JWT signature does not verify with k") from None
    claims = json.loads(unb64(claims))
    now = time.time()
    if claims.get("aud") != origin:
        raise ValueError(f"aud is {claims.get('aud')!r}, not {origin!r}")
    if not now < claims.get("exp", 0) <= now + 24 * 3600:
        raise ValueError("exp is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("sub is not a mailto: or https: contact")
    return claims, token, key


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/subscription":
            body = {"p256dh": b64(PUBLIC), "auth": b64(AUTH)}
        elif self.path == "/records":
            with LOCK:
                body = list(RECORDS)
        else:
            return self.reply(404)
        self.reply(200, json.dumps(body).encode(), [("Content-Type", "application/json")])

    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/control/respond":
            rule = json.loads(data)
            with LOCK:
                RESPONSES[rule["path"]] = rule
            return self.reply(200)
        record = self.receive(data)
        with LOCK:
            RECORDS.append(record)
            if STATE:
                with open(os.path.join(STATE, "records.jsonl"), "a") as f:
                    f.write(json.dumps({"path": record["path"], "decryptError": record["decryptError"]}) + "\n")
            index = len(RECORDS)
            rule = RESPONSES.get(self.path)
        if rule:
            extra = [("Retry-After", str(rule["retryAfter"]))] if rule.get("retryAfter") is not None else []
            return self.reply(rule["status"], b"", extra)
        if record["vapidError"]:
            return self.reply(403, record["vapidError"].encode())
        if record["decryptError"]:
            return self.reply(400, record["decryptError"].encode())
        self.reply(201, b"", [("Location", f"/messages/{index}")])

    def receive(self, data):
        h = self.headers
        record = {
            "path": self.path,
            "method": self.command,
            "ttl": h.get("TTL"),
            "urgency": h.get("Urgency"),
            "topic": h.get("Topic"),
            "contentEncoding": h.get("Content-Encoding"),
            "contentType": h.get("Content-Type"),
            "length": len(data),
            "salt": b64(data[:16]),
            "rs": int.from_bytes(data[16:20], "big") if len(data) >= 20 else None,
            "keyid": b64(data[21:21 + data[20]]) if len(data) > 20 else None,
            "vapidError": None,
            "decryptError": None,
        }
        try:
            claims, token, key = check_vapid(h.get("Authorization"), "http://" + h.get("Host", ""))
            record.update(claims=claims, jwt=token, vapidKey=key)
        except (ValueError, KeyError) as e:
            record["vapidError"] = str(e) or type(e).__name__
        try:
            plain = http_ece.decrypt(data, private_key=PRIVATE, auth_secret=AUTH, version="aes128gcm")
            record["body"] = plain.decode("utf-8")
        except Exception as e:  # any failure to decrypt is what the test wants to see
            record["decryptError"] = f"{type(e).__name__}: {e}"
        return record


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
