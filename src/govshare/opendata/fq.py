"""CKAN's `fq` filter query (Solr syntax), the part CKAN clients commonly send:

    organization:org-11330000... groups:101          terms ANDed (also with AND / && between them)
    frequency:"daily"                                quoted values
    groups:101 OR groups:201                         OR between terms of the same field (also ||)
    res_format:(CSV OR JSON)                         parentheses for a field's alternatives
    (groups:101 OR groups:201)                       a parenthesised OR of one field
    -groups:101   NOT groups:101                     negation

A term ANDed with another of the same field must match both (for a one-valued field such as
groups: nothing unless the values overlap). Anything else — OR across fields, wildcards,
ranges, boosts, nested groups, unknown fields — is refused with a `Syntax` error the caller
turns into CKAN's "Search Query Error" (400), never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_FQ = 1000
MAX_TERMS = 50
MAX_VALUE = 100
# One token: a parenthesis, a quoted string (backslash escapes), or a run of anything else.
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.){0,200})"|([^\s()"]+))')
_FIELD_TERM = re.compile(r"^([+-]?)([a-z_]{1,40}):(.*)$")
_BARE_VALUE = re.compile(r"^[^\s:*?~^\\\[\]{}!\x00-\x1f\x7f]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OR, _AND, _NOT = {"OR", "||"}, {"AND", "&&"}, {"NOT", "!"}


class Syntax(ValueError):
    """fq outside the supported syntax; the message names the part refused."""


@dataclass
class Clause:
    field: str
    values: set[str]
    negated: bool = False


@dataclass
class Filters:
    """The parsed fq: per field, values of which a dataset must have one (every positive clause
    of that field intersected), and values it must have none of."""

    chosen: dict[str, set[str]] = field(default_factory=dict)
    excluded: dict[str, set[str]] = field(default_factory=dict)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise Syntax(f"unexpected text at {text[pos:pos + 40]!r}")
        left, right, quoted, word = match.groups()
        if left:
            out.append(("(", "("))
        elif right:
            out.append((")", ")"))
        elif quoted is not None:
            out.append(("quoted", quoted.replace('\\"', '"').replace("\\\\", "\\")))
        else:
            out.append(("word", word))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], fields: set[str]) -> None:
        self.tokens, self.at, self.fields = tokens, 0, fields

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise Syntax("the query ends too early")
        self.at += 1
        return token

    def is_word(self, words: set[str]) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] in words

    def query(self) -> list[Clause]:
        clauses: list[Clause] = []
        while self.peek() is not None:
            if clauses and self.is_word(_AND):
                self.take()
            clause = self.alternatives()
            clauses.append(clause)
            if len(clauses) > MAX_TERMS:
                raise Syntax(f"more than {MAX_TERMS} terms")
        return clauses

    def alternatives(self) -> Clause:
        """A clause, or clauses of one field joined by OR (their values united)."""
        clause = self.clause()
        while self.is_word(_OR):
            self.take()
            other = self.clause()
            if other.field != clause.field or other.negated or clause.negated:
                raise Syntax("OR joins terms of one field only, none of them negated")
            clause.values |= other.values
        return clause

    def clause(self) -> Clause:
        negated = False
        if self.is_word(_NOT):
            self.take()
            negated = True
        kind, text = self.take()
        if kind == "(":
            if negated:
                raise Syntax("negate the terms inside the parentheses instead")
            inner = self.alternatives()
            if self.take()[0] != ")":
                raise Syntax("a parenthesised group holds terms of one field joined by OR")
            return inner
        if kind != "word":
            raise Syntax(f"expected field:value, found {text[:40]!r}")
        match = _FIELD_TERM.match(text)
        if match is None:
            raise Syntax(f"expected field:value, found {text[:40]!r}")
        sign, name, rest = match.groups()
        if name not in self.fields:
            raise Syntax(f"unknown field {name!r}; use one of {', '.join(sorted(self.fields))}")
        if sign and negated:
            raise Syntax("negated twice")
        values = {self.value(rest)} if rest else self.value_group()
        return Clause(name, values, negated or sign == "-")

    def value(self, text: str) -> str:
        if not _BARE_VALUE.match(text):
            raise Syntax(f"unsupported value {text[:40]!r} (wildcards, ranges and escapes are not supported)")
        return text

    def value_group(self) -> set[str]:
        """What follows `field:` when it is not a bare word: a quoted value or (A OR B …)."""
        kind, text = self.take()
        if kind == "quoted":
            return {self.quoted(text)}
        if kind != "(":
            raise Syntax("expected a value after the field")
        values = {self.one_value()}
        while self.is_word(_OR):
            self.take()
            values.add(self.one_value())
        if self.take()[0] != ")":
            raise Syntax("values in parentheses are joined by OR")
        return values

    def one_value(self) -> str:
        kind, text = self.take()
        if kind == "quoted":
            return self.quoted(text)
        if kind != "word" or text in _OR | _AND | _NOT:
            raise Syntax(f"expected a value, found {text[:40]!r}")
        return self.value(text)

    @staticmethod
    def quoted(text: str) -> str:
        if not 0 < len(text) <= MAX_VALUE or _CONTROL.search(text):
            raise Syntax(f"a quoted value holds 1 to {MAX_VALUE} characters, none of them control characters")
        return text


def parse(fq: str, fields: set[str], normalise: Callable[[str, set[str]], set[str]] | None = None) -> Filters:
    """fq → Filters over `fields` (CKAN's field names). `normalise(field, values)` maps a
    clause's values to what is stored before clauses of one field are intersected (two
    formats of one dataset, CSV and JSON, are then the same stored fact)."""
    if len(fq) > MAX_FQ:
        raise Syntax(f"fq is longer than {MAX_FQ} characters")
    out = Filters()
    for clause in _Parser(_tokens(fq.strip()), fields).query():
        if normalise is not None:
            clause.values = normalise(clause.field, clause.values)
        if clause.negated:
            out.excluded.setdefault(clause.field, set()).update(clause.values)
        elif clause.field in out.chosen:
            out.chosen[clause.field] &= clause.values
        else:
            out.chosen[clause.field] = set(clause.values)
    return out
