import time
from loopback import reply, error, sse, chunk
from textual import events
from .conftest import chat, send, send_and_wait, wait_for, notifications, screen_text

async def test_big_reply(make_app, loopback, store):
    text = ("word " * 15 + "\n\n") * (10_000_000 // 77)
    loopback.enqueue(reply(text, chunk_size=65536))
    app = make_app()
    t = time.monotonic()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "big", timeout=120)
        print("done stream", time.monotonic() - t)
        sid = chat(app).session.id
    print("total", time.monotonic() - t, notifications(app))

async def test_paste(make_app, loopback, store):
    text = ("paste line " * 8 + "\n") * (1_000_000 // 89)
    app = make_app()
    t = time.monotonic()
    async with app.run_test(notifications=True) as pilot:
        prompt = chat(app).query_one("#prompt")
        prompt.focus()
        prompt.post_message(events.Paste(text))
        await pilot.pause()
        print("pasted", time.monotonic() - t, len(prompt.text))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chat(app).session.messages) >= 2 and not chat(app).streaming, 60)
        print("sent", time.monotonic() - t)
    print("total", time.monotonic() - t)

async def test_connect_timeout(make_app, loopback, unaccepting_endpoint):
    app = make_app(base_url=unaccepting_endpoint)
    t = time.monotonic()
    async with app.run_test(notifications=True) as pilot:
        await send_and_wait(pilot, "x")
        print(time.monotonic() - t, notifications(app))
