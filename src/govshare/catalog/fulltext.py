"""The only place where the two backends differ: how a boolean token query is written and
which rows match it. Both index the same tokens (catalog_search_doc.tokens) and evaluate the
same boolean query, so both find the same resources.

A query is a list of groups: every group must match; a group matches when any of its
alternatives does; an alternative matches when the document has all of its tokens. Tokens
are letters and digits only (segment.py), so quoting them is enough to keep operators and
SQL typed by a user as plain text.

One statement answers a search's full-text part in one round trip: the matching ids and,
among them, those whose name matches (they rank first).
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


def search_sql(dialect: str) -> str:
    """SELECT ids, name_ids: the matching ids and, among them, those whose name matches (they
    rank first), each as one comma-separated text (fetching tens of thousands of rows one by one
    costs more than the match), in one round trip. Each half is answered by its own index (the
    name index is small); testing the name on every match instead reads every matching row's
    name vector and costs twice as much on PostgreSQL."""
    if dialect == "sqlite":
        return (
            "SELECT (SELECT group_concat(rowid) FROM catalog_fts WHERE catalog_fts MATCH :q), "
            "(SELECT group_concat(rowid) FROM catalog_name_fts WHERE catalog_name_fts MATCH :q)"
        )
    return (
        "SELECT (SELECT string_agg(resource_id::text, ',') FROM catalog_search_tsv "
        "WHERE tsv @@ CAST(:q AS tsquery)), "
        "(SELECT string_agg(resource_id::text, ',') FROM catalog_search_tsv "
        "WHERE name_tsv @@ CAST(:q AS tsquery))"
    )


def query_text(dialect: str, query: Query) -> str:
    if dialect == "sqlite":
        return _join(query, _fts5_quote, " AND ", " OR ")
    return _join(query, _tsquery_quote, " & ", " | ")
