"""The chat screen shows a reply's cost, the served model and the session's total cost."""

from __future__ import annotations

from loopback import HANDWRITTEN, fixture

from app.ui.widgets import ReplyView, StatusLine

from .conftest import chat, send_and_wait


async def test_cost_and_served_model_are_shown_and_saved(make_app, loopback, store):
    loopback.enqueue(fixture("openrouter-cost-stream.txt", folder=HANDWRITTEN))
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await send_and_wait(pilot, "Tell me a joke.")
        screen = chat(app)
        view = screen.query(ReplyView).first()
        header = str(view.query_one(".message-header").render())
        footer = str(view.query_one(".message-footer").render())
        assert "test/model-a → qwen/qwen3-32b-04-28" in header
        assert "$0.000055" in footer
        assert "$0.000055 this session" in screen.query_one(StatusLine).text
        reply = screen.session.messages[-1]
        assert reply.served_model == "qwen/qwen3-32b-04-28"
        assert reply.cost == 5.5e-05
        session_id = screen.session.id
    saved = store.load(session_id).messages[-1]
    assert saved.usage is not None and saved.usage["cost"] == 5.5e-05
    assert saved.cost_details == {
        "upstream_inference_prompt_cost": 2e-06,
        "upstream_inference_completions_cost": 5.3e-05,
    }
