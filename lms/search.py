"""The site's search backend (`WAGTAILSEARCH_BACKENDS`): Wagtail's database backend, with the
query cleaned first.

SQLite's backend writes each search term into an FTS5 expression between double quotes, so a
stray `"` in what someone typed (or a NUL) is a syntax error there, and the page answered 500.
A quote carries no meaning in a term: Wagtail's own query parser has already turned quoted
phrases into `Phrase` queries. Every search goes through here: the lesson search, the Wagtail
admin's searches and choosers."""

import copy
from functools import cache

from wagtail.search.backends import database

UNSEARCHABLE = str.maketrans({'"': " ", "\x00": " "})


def search_query_clean(query):
    """The query (a string, or Wagtail's query objects) without characters that cannot be
    searched for."""
    if isinstance(query, str):
        return query.translate(UNSEARCHABLE)
    query = copy.copy(query)
    if isinstance(getattr(query, "query_string", None), str):
        query.query_string = query.query_string.translate(UNSEARCHABLE)
    if getattr(query, "subquery", None) is not None:
        query.subquery = search_query_clean(query.subquery)
    if getattr(query, "subqueries", None) is not None:
        query.subqueries = [search_query_clean(q) for q in query.subqueries]
    return query


class CleanQueryMixin:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        query = search_query_clean(query)
        if isinstance(query, str):
            query = query.strip()  # a query of quotes alone is empty: no results, no error
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@cache
def _clean_class(backend_class: type) -> type:
    return type(backend_class.__name__, (CleanQueryMixin, backend_class), {})


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    """The database backend Wagtail picks for this database (PostgreSQL, SQLite FTS5, …)."""
    backend = database.SearchBackend(params)
    return _clean_class(type(backend))(params)
