"""The model list's metadata (OpenRouter's shape): context, prices, images, reasoning."""

from __future__ import annotations

import json

from loopback import error

from app.api import ModelInfo

OPENROUTER_ITEM = {
    "id": "qwen/qwen3-vl-32b",
    "name": "Qwen: Qwen3 VL 32B",
    "context_length": 131072,
    "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
    "pricing": {"prompt": "0.0000001", "completion": "0.0000003", "request": "0"},
    "supported_parameters": ["max_tokens", "reasoning", "temperature"],
}


async def test_openrouter_metadata_is_read(loopback, client):
    bare = {"id": "plain/model"}
    odd = {
        "id": "odd/model",
        "pricing": {"prompt": "n/a"},
        "architecture": [],
        "context_length": "8k",
    }
    text_only = {"id": "text/model", "architecture": {"input_modalities": ["text"]}}
    listing = {"data": [OPENROUTER_ITEM, bare, odd, text_only]}
    loopback.enqueue_models(error(200, json.dumps(listing)))
    models = await client.list_models()
    assert models[0] == ModelInfo(
        "qwen/qwen3-vl-32b", "Qwen: Qwen3 VL 32B", 131072, 1e-07, 3e-07, images=True, reasoning=True
    )
    assert models[1] == ModelInfo("plain/model")
    assert models[1].images is None  # the listing does not say: unknown, not "no"
    assert models[2] == ModelInfo("odd/model")
    assert models[3].images is False


def test_the_cache_shape_round_trips_and_an_old_cache_still_reads():
    model = ModelInfo("a/b", "A B", 4096, 1e-06, 2e-06, images=True, reasoning=False)
    assert ModelInfo.from_dict(json.loads(json.dumps(model.as_dict()))) == model
    old = {"id": "a/b", "name": "A B", "context_length": 4096}  # before the metadata
    assert ModelInfo.from_dict(old) == ModelInfo("a/b", "A B", 4096)
    assert ModelInfo.from_dict({"name": "no id"}) is None
    text_only = ModelInfo("t/x", images=False)
    assert ModelInfo.from_dict(json.loads(json.dumps(text_only.as_dict()))) == text_only
    # before "takes_images", "images": false was written for "not said" too: unknown
    assert ModelInfo.from_dict({"id": "t/x", "images": False}) == ModelInfo("t/x")
