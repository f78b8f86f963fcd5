"""Tests of app.api: the client, SSE parsing, errors, retries, the think splitter, the demo."""
