#!/usr/bin/env python3
"""Times the two ways a client fills a cache of all pods from `strata sim serve`: a streaming
initial list (a watch with sendInitialEvents, read up to its initial-events-end bookmark) and
paginated limit=500 lists following continue tokens. Each is timed with and without
metadata-only Accept. A simple client: one keep-alive HTTP/1.1 connection, no JSON parsing of
the objects (only the continue token is picked out of each page's head), so the figures are
the server's time plus the transfer.

    strata sim serve --no-runs --pods 50000 > sim.out &
    python3 crates/sim/scripts/initial_lists.py "$(head -1 sim.out)" [repeats]

Prints a Markdown table of medians.
"""

import http.client
import re
import statistics
import sys
import time
import urllib.parse

META_ONE = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
META_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
STREAM = (
    "/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
    "&allowWatchBookmarks=true&resourceVersion=0&timeoutSeconds=120"
)
CONTINUE = re.compile(rb'"continue":"([^"]*)"')


def connect(url):
    parsed = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)


def streaming(url, accept):
    """Seconds to the initial-events-end bookmark, bytes read, events."""
    conn = connect(url)
    start = time.perf_counter()
    conn.request("GET", STREAM, headers={"Accept": accept})
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    read, lines, tail = 0, 0, b""
    while True:
        block = resp.read1(1 << 16)
        if not block:
            raise RuntimeError("the watch ended before its initial-events-end bookmark")
        read += len(block)
        lines += block.count(b"\n")
        window = tail + block
        if b"k8s.io/initial-events-end" in window:
            elapsed = time.perf_counter() - start
            break
        tail = window[-64:]
    conn.close()  # the watch stays open otherwise
    return elapsed, read, lines - 1  # the bookmark is not an object


def paginated(url, accept, limit=500):
    """Seconds for all pages, bytes, pages."""
    conn = connect(url)
    start = time.perf_counter()
    token, read, pages = None, 0, 0
    while True:
        path = f"/api/v1/pods?limit={limit}"
        if token:
            path += "&continue=" + urllib.parse.quote(token)
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200, (resp.status, body[:300])
        read += len(body)
        pages += 1
        found = CONTINUE.search(body[:1024])
        token = found.group(1).decode() if found else None
        if not token:
            break
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, read, pages


def main():
    url = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rows = [
        ("streaming initial list (watch, sendInitialEvents)", streaming, "application/json"),
        ("streaming initial list, metadata-only", streaming, META_ONE),
        ("paginated lists, limit=500", paginated, "application/json"),
        ("paginated lists, limit=500, metadata-only", paginated, META_LIST),
    ]
    print("| how | median time | bytes | events / pages |")
    print("|---|---:|---:|---:|")
    for label, run, accept in rows:
        runs = [run(url, accept) for _ in range(repeats)]
        seconds = statistics.median(r[0] for r in runs)
        print(f"| {label} | {seconds * 1000:.0f} ms | {runs[0][1] / 1e6:.1f} MB | {runs[0][2]} |")


if __name__ == "__main__":
    main()
