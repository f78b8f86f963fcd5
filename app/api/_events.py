"""Typed events yielded by a streaming chat completion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the reply's visible text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning, shown apart from the answer and never sent back."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts reported by the server for the whole request, and its cost when known.

    ``cost`` is in USD (OpenRouter's ``usage.cost``); ``cost_details`` keeps the numbers of
    ``usage.cost_details`` (e.g. ``upstream_inference_cost``).
    """

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float | None = None
    cost_details: dict[str, float] | None = None

    def as_dict(self) -> dict[str, int | float]:
        """The counts (and cost) as the session file stores them."""
        counts: dict[str, int | float] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.cost is not None:
            counts["cost"] = self.cost
        return counts


@dataclass(frozen=True, slots=True)
class ServedModel:
    """The stream names another model than the one asked for (a provider's own id)."""

    model: str


@dataclass(frozen=True, slots=True)
class Finish:
    """The first non-null ``finish_reason`` of the stream (``stop``, ``length``, ...)."""

    reason: str


@dataclass(frozen=True, slots=True)
class ContentWasReasoning:
    """Everything streamed as content so far was reasoning: a bare ``</think>`` just came.

    Some models' chat templates open the ``<think>`` block in the prompt, so the reply starts
    with reasoning that cannot be told from an answer until the closing tag arrives.
    """


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of a tool call the model asks for (OpenAI's ``delta.tool_calls[]``).

    ``index`` says which call of the reply it extends: the first fragment of a call carries
    its ``id``, ``type`` and ``name``, later ones pieces of ``arguments`` (a JSON text, kept
    exactly as received). hcchat does not run tools: the calls are shown and saved.
    """

    index: int
    id: str = ""
    type: str = ""
    name: str = ""
    arguments: str = ""


StreamEvent = (
    ContentDelta
    | ReasoningDelta
    | ContentWasReasoning
    | ToolCallDelta
    | Usage
    | Finish
    | ServedModel
)


@dataclass(frozen=True, slots=True)
class Completion:
    """The result of a non-streaming request."""

    content: str
    reasoning: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    tool_calls: tuple[ToolCallDelta, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One entry of the endpoint's model list; the metadata is there when the endpoint says."""

    id: str
    name: str = ""
    context_length: int | None = None
    prompt_price: float | None = None  # USD per token
    completion_price: float | None = None  # USD per token
    images: bool | None = None  # takes images as input; None: the listing does not say
    reasoning: bool = False  # accepts the ``reasoning`` parameter

    def as_dict(self) -> dict[str, object]:
        """The fields as the model cache keeps them (JSON values)."""
        return {
            "id": self.id,
            "name": self.name,
            "context_length": self.context_length,
            "prompt_price": self.prompt_price,
            "completion_price": self.completion_price,
            "takes_images": self.images,
            "reasoning": self.reasoning,
        }

    @classmethod
    def from_dict(cls, item: Mapping[str, object]) -> ModelInfo | None:
        """A model from :meth:`as_dict`'s shape (an older cache has fewer keys); None if no id."""
        model_id, name = item.get("id"), item.get("name")
        if not isinstance(model_id, str) or not model_id:
            return None
        return cls(
            model_id,
            name if isinstance(name, str) else "",
            _count(item.get("context_length")),
            _price(item.get("prompt_price")),
            _price(item.get("completion_price")),
            # caches before "takes_images" wrote "images": false also for "not said"
            _flag(item.get("takes_images")),
            item.get("reasoning") is True,
        )


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _price(value: object) -> float | None:
    """A price in USD per token: a number or, as OpenRouter sends it, a decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float) or not 0 <= value < float("inf"):
        return None
    return float(value)


def model_from_listing(item: Mapping[str, Any]) -> ModelInfo:
    """A :class:`ModelInfo` from one ``/models`` item (OpenRouter's shape; any part may lack)."""
    pricing = item.get("pricing")
    architecture = item.get("architecture")
    inputs = architecture.get("input_modalities") if isinstance(architecture, Mapping) else None
    supported = item.get("supported_parameters")
    name = item.get("name")
    return ModelInfo(
        str(item["id"]),
        name if isinstance(name, str) else "",
        _count(item.get("context_length")),
        _price(pricing.get("prompt")) if isinstance(pricing, Mapping) else None,
        _price(pricing.get("completion")) if isinstance(pricing, Mapping) else None,
        "image" in inputs if isinstance(inputs, list) else None,
        isinstance(supported, list) and "reasoning" in supported,
    )
