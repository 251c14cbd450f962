"""A small HTTP SMS gateway for the SMS channel's tests, on Python's http.server.

    python3 sms_gateway.py PORT

Every request to any path but /_control/* is recorded (method, path, headers, raw body, and
the body as the standard library parses it: JSON, or a form with urllib.parse) and answered
with 200 {"messages": [{"id": "gw-N"}]} unless an answer was queued:

    POST /_control/next     {"status": 429, "headers": {"Retry-After": "7"}, "body": {...}}
    GET  /_control/requests the recorded requests, oldest first
"""

import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = []
queued = []


class Gateway(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def do_GET(self):
        if self.path == "/_control/requests":
            with lock:
                self.reply(200, requests)
        else:
            self.record(b"")

    def do_POST(self):
        raw = self.read_body()
        if self.path == "/_control/next":
            with lock:
                queued.append(json.loads(raw))
            self.reply(200, {"queued": True})
        else:
            self.record(raw)

    do_PUT = do_POST

    def record(self, raw):
        text = raw.decode("utf-8")
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            parsed = json.loads(text)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            parsed = {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
        else:
            parsed = None
        with lock:
            requests.append({
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": text,
                "parsed": parsed,
            })
            n = len(requests)
            answer = queued.pop(0) if queued else None
        if answer is None:
            self.reply(200, {"messages": [{"id": f"gw-{n}"}]})
        else:
            self.reply(answer["status"], answer.get("body", {}), answer.get("headers"))


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Gateway).serve_forever()
