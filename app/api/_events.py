"""Typed events yielded by a streaming chat completion."""

from __future__ import annotations

from dataclasses import dataclass


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


StreamEvent = ContentDelta | ReasoningDelta | ContentWasReasoning | Usage | Finish | ServedModel


@dataclass(frozen=True, slots=True)
class Completion:
    """The result of a non-streaming request."""

    content: str
    reasoning: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One entry of the endpoint's model list."""

    id: str
    name: str = ""
    context_length: int | None = None
    prompt_price: float | None = None  # USD per token
    completion_price: float | None = None  # USD per token
    images: bool = False  # takes images as input
    reasoning: bool = False  # accepts the ``reasoning`` parameter
