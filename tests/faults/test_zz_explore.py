import time
from loopback import reply, error, sse, chunk
from textual import events
from .conftest import chat, send, send_and_wait, wait_for, notifications, screen_text

async def test_paste(make_app, loopback, store):
    text = ("paste line " * 8 + "\n") * (1_000_000 // 89)
    loopback.enqueue(reply("got it"))
    app = make_app()
    t = time.monotonic()
    async with app.run_test(notifications=True) as pilot:
        prompt = chat(app).query_one("#prompt")
        prompt.focus()
        app.post_message(events.Paste(text))
        await pilot.pause()
        print("pasted", time.monotonic() - t, len(prompt.text), len(text))
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chat(app).session.messages) >= 2 and not chat(app).streaming, 60)
        print("sent", time.monotonic() - t)
    print("total", time.monotonic() - t)
