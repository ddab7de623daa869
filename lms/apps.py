from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .collation import sqlite_collation_register


class LmsConfig(AppConfig):
    """The project's own plumbing, installed so that every database connection gets it."""

    name = "lms"
    verbose_name = "HọcTiếp"

    def ready(self):
        # SQLite learns the Vietnamese collation (lms.collation) on each new connection.
        connection_created.connect(sqlite_collation_register, dispatch_uid="lms.collation.vi")
        # The page tree's version follows page changes; Wagtail's models are only ready now.
        from .page_tree import page_tree_signals_connect

        page_tree_signals_connect()
