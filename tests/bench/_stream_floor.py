"""The transport floor of bench_stream.py: a raw httpx-sse consumer of the same stream.

python tests/bench/_stream_floor.py BASE_URL   (one JSON command a line on stdin, one result out)

It does the least any client must do: POST the request, read the SSE events, decode each JSON
chunk and join the content deltas. Each result gives the monotonic times of the request and of
the last event, the CPU seconds of this process meanwhile, and how many characters arrived.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx
from httpx_sse import aconnect_sse


async def consume(
    client: httpx.AsyncClient, run: str, tokens: int, rate: float
) -> dict[str, object]:
    body = {
        "model": "bench/model",
        "stream": True,
        "messages": [{"role": "user", "content": f"bench id={run} tokens={tokens} rate={rate}"}],
    }
    parts: list[str] = []
    cpu = time.process_time()
    start = time.monotonic()
    async with aconnect_sse(client, "POST", "/chat/completions", json=body) as source:
        async for event in source.aiter_sse():
            if event.data == "[DONE]":
                break
            for choice in json.loads(event.data).get("choices", []):
                text = choice.get("delta", {}).get("content")
                if text:
                    parts.append(text)
    end = time.monotonic()
    return {
        "start": start,
        "end": end,
        "cpu": time.process_time() - cpu,
        "chars": len("".join(parts)),
    }


async def main() -> None:
    async with httpx.AsyncClient(base_url=sys.argv[1], timeout=60) as client:
        for line in sys.stdin:
            command = json.loads(line)
            result = await consume(client, command["id"], command["tokens"], command["rate"])
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
