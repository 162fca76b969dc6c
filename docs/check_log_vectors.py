#!/usr/bin/env python3
"""Independent checker for the juece-log/1 test vectors (docs/log-vectors.json).

Written from docs/log-format.md alone, with the Python standard library: it re-derives each
event's canonical bytes from the parsed JSON (sorted keys, no whitespace, non-ASCII kept),
then the leaf and chain hashes. Exit 0 when every vector matches.
"""
import hashlib
import json
import sys


def canonical(value):
    # Sorted keys, no insignificant whitespace, UTF-8 kept as is; integers only in this format.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["format"] == "juece-log/1", doc["format"]
    previous = bytes(32)
    for i, event in enumerate(doc["events"]):
        text = event["canonical"]
        if canonical(json.loads(text)) != text:
            print(f"event {i}: canonical bytes are not canonical")
            return 1
        leaf = hashlib.sha256(b"\x00" + text.encode("utf-8")).digest()
        chain = hashlib.sha256(b"\x01" + previous + leaf).digest()
        if leaf.hex() != event["leaf_hash"] or chain.hex() != event["chain_hash"]:
            print(f"event {i}: hash mismatch: leaf {leaf.hex()} chain {chain.hex()}")
            return 1
        previous = chain
    print(f"{len(doc['events'])} passed, 0 failed: juece-log/1 vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/log-vectors.json"))
