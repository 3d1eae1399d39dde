"""A minimal client for the mock API: post a Messages request and decode the SSE reply."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


def post_messages(url: str, body: dict, *, timeout: float = 30.0, path: str = "/v1/messages?beta=true"):
    """POST `body`; returns (status, headers, payload). payload is a list of (event, data) for SSE
    replies and the decoded JSON object otherwise."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read().decode()
        headers = dict(response.getheaders())
        if response.getheader("Content-Type", "").startswith("text/event-stream"):
            return response.status, headers, parse_sse(raw)
        return response.status, headers, json.loads(raw)
    finally:
        conn.close()


def parse_sse(raw: str) -> list[tuple[str, dict]]:
    events = []
    for chunk in raw.split("\n\n"):
        name, data = None, None
        for line in chunk.splitlines():
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
        if name is not None:
            events.append((name, data))
    return events


def streamed_blocks(events: list[tuple[str, dict]]) -> list[dict]:
    """Rebuild the content blocks of a streamed message from its deltas."""
    blocks: dict[int, dict] = {}
    for name, data in events:
        if name == "content_block_start":
            blocks[data["index"]] = dict(data["content_block"], _json="")
        elif name == "content_block_delta":
            block, delta = blocks[data["index"]], data["delta"]
            kind = delta["type"]
            if kind == "text_delta":
                block["text"] += delta["text"]
            elif kind == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif kind == "signature_delta":
                block["signature"] = delta["signature"]
            elif kind == "input_json_delta":
                block["_json"] += delta["partial_json"]
    out = []
    for index in sorted(blocks):
        block = blocks[index]
        raw = block.pop("_json")
        if block["type"] == "tool_use":
            block["input"] = json.loads(raw)
        out.append(block)
    return out


def user_body(text_or_blocks, *, stream: bool = True, model: str = "claude-opus-5-5", history=None) -> dict:
    messages = list(history or [])
    messages.append({"role": "user", "content": text_or_blocks})
    return {"model": model, "max_tokens": 1024, "stream": stream, "messages": messages}
