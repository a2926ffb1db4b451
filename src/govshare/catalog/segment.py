"""Chinese text to search tokens, the same way for documents and queries on both backends.

Documents are indexed by every single character and every pair of adjacent characters of their
Chinese text, plus every latin/digit word. That makes one- and two-character queries work
(trigram indexes miss them) and makes the index independent of any dictionary: adding a word to
the synonym dictionary never needs a re-index.

Queries are segmented by jieba into words, so a long query means "all of these words",
and dictionary terms (社保, 人社局, 公积金…) are recognised inside a query and expanded. A word
matches a document that has it: a word of one or two characters is one token; a longer word
is the character pairs that cover it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

_PIECE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_lock = threading.Lock()
_known_words: set[str] = set()


def _is_cjk(piece: str) -> bool:
    return "\u3400" <= piece[0] <= "\ufaff"


def _ngrams(run: str) -> list[str]:
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def document_tokens(parts: Iterable[str | None]) -> str:
    """Space-separated distinct tokens of a document's text."""
    tokens: dict[str, None] = {}
    for part in parts:
        for piece in _PIECE.findall((part or "").lower()):
            for token in _ngrams(piece) if _is_cjk(piece) else [piece]:
                tokens[token] = None
    return " ".join(tokens)


def _cover(run: str) -> list[str]:
    """Character pairs that cover a run: 人力资源和社会保障 → 人力 资源 和社 会保 保障. Every
    character is in one; half as many pairs as all of them, so long words stay fast."""
    pairs = [run[i : i + 2] for i in range(0, len(run) - 1, 2)]
    if len(run) % 2:
        pairs.append(run[-2:])
    return pairs


def word_tokens(word: str) -> list[str]:
    """The tokens a document must all contain to contain `word`."""
    tokens: list[str] = []
    for piece in _PIECE.findall(word.lower()):
        tokens += _cover(piece) if _is_cjk(piece) and len(piece) > 2 else [piece]
    return list(dict.fromkeys(tokens))


def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(60)  # its start-up chatter is not our users' business
    return jieba


def teach(words: Iterable[str]) -> None:
    """Make jieba keep dictionary terms (人社局, 公积金…) whole when it cuts a query."""
    new = [w for w in words if w not in _known_words]
    if not new:
        return
    jieba = _jieba()
    with _lock:
        for word in new:
            jieba.add_word(word, freq=200_000)
            _known_words.add(word)


def taught() -> int:
    """How many words jieba has been taught: it only grows, and a query is cut the same way
    while it stays the same."""
    return len(_known_words)


def query_words(query: str) -> list[str]:
    """The words of a query, in order, without punctuation, operators or repeats."""
    words: dict[str, None] = {}
    for segment in _jieba().cut(query.lower()):
        if _PIECE.search(segment):
            cleaned = "".join(_PIECE.findall(segment))
            words[cleaned] = None
    return list(words)
