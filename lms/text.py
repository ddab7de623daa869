"""Text that no database of ours can store, found anywhere in parsed JSON."""

import re

# A NUL (PostgreSQL refuses it in text and JSON) and a lone UTF-16 surrogate, which a JSON
# "\ud800" escape gives and UTF-8 cannot encode (SQLite, PostgreSQL, and frames sent on).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text_in(value) -> bool:
    """True when a string anywhere in `value` (dict keys and values, lists) holds such text.
    Iterative: the value may be nested as deep as the JSON parser allowed."""
    pending = [value]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            pending += value
        elif isinstance(value, str) and UNSTORABLE.search(value):
            return True
    return False
