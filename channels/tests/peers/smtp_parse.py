"""Reads the messages smtp_server.py stored in DIR and prints them as JSON, parsed by Python's
own `email` package (not by the code under test): decoded headers, and each body part's type,
charset and decoded text.

    python3 smtp_parse.py DIR
"""

import json
import os
import sys
from email import policy
from email.parser import BytesParser


def parts(message):
    if message.is_multipart():
        return [p for sub in message.iter_parts() for p in parts(sub)]
    return [{
        "content_type": message.get_content_type(),
        "charset": message.get_content_charset(),
        "text": message.get_content(),
    }]


def read(directory, name):
    with open(os.path.join(directory, name), "rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    with open(os.path.join(directory, name[:-4] + ".json")) as f:
        meta = json.load(f)
    headers = {}
    for key, value in message.items():
        headers.setdefault(key.lower(), str(value))
    return {
        "headers": headers,
        "content_type": message.get_content_type(),
        "parts": parts(message),
        "meta": meta,
    }


def main():
    directory = sys.argv[1]
    names = sorted((n for n in os.listdir(directory) if n.endswith(".eml")), key=lambda n: int(n[:-4]))
    json.dump([read(directory, n) for n in names], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
