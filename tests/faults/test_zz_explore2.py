import time, pytest
from loopback import reply
from .conftest import chat, send, send_and_wait, wait_for, notifications

@pytest.mark.parametrize("size", [100_000])
async def test_big_reply(make_app, loopback, store, size):
    text = ("word " * 15 + "\n\n") * (size // 77)
    loopback.enqueue(reply(text, chunk_size=65536))
    app = make_app()
    t = time.monotonic()
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "big")
        await wait_for(pilot, lambda: chat(app)._active is None, 300)
        print("\nfinalized", size, time.monotonic() - t)
        await wait_for(pilot, lambda: not chat(app).query("ReplyView").last().streaming, 300)
        print("finished", time.monotonic() - t)
    print("total", time.monotonic() - t)
