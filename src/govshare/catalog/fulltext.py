"""The only place where the two backends differ: how a boolean token query is written and
which rows match it. Both index the same tokens (catalog_search_doc.tokens) and evaluate the
same boolean query, so both find the same resources.

A query is a list of groups: every group must match; a group matches when any of its
alternatives does; an alternative matches when the document has all of its tokens. Tokens
are letters and digits only (segment.py), so quoting them is enough to keep operators and
SQL typed by a user as plain text.

The catalog's own search matches words in memory over the same tokens (postings.py); these
indexes serve the open-data portal's search (match_sql) and are kept by the backends' triggers.
"""

from __future__ import annotations

Query = list[list[list[str]]]  # groups → alternatives → tokens

def _join(query: Query, quote, and_: str, or_: str) -> str:  # type: ignore[no-untyped-def]
    groups = []
    for alternatives in query:
        alts = [
            "(" + and_.join(quote(t) for t in tokens) + ")" for tokens in alternatives if tokens
        ]
        groups.append("(" + or_.join(alts) + ")")
    return and_.join(groups)


def _fts5_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _tsquery_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def match_sql(dialect: str, in_name: bool = False) -> str:
    """A SELECT of one text: the comma-separated ids of the matching resources (of those whose
    name matches with `in_name`). Used by other capabilities' searches (opendata)."""
    if dialect == "sqlite":
        table = "catalog_name_fts" if in_name else "catalog_fts"
        return f"SELECT group_concat(rowid) FROM {table} WHERE {table} MATCH :q"
    column = "name_tsv" if in_name else "tsv"
    return f"SELECT string_agg(resource_id::text, ',') FROM catalog_search_tsv WHERE {column} @@ CAST(:q AS tsquery)"


def query_text(dialect: str, query: Query) -> str:
    if dialect == "sqlite":
        return _join(query, _fts5_quote, " AND ", " OR ")
    return _join(query, _tsquery_quote, " & ", " | ")
