"""What accounts tells the apps above it (DESIGN.md "Layout": a lower layer never imports a
higher one; the app that cares subscribes).

- ``users_created(users)``: accounts were created in bulk (roster import), which sends no
  post_save. Sent inside the import's transaction, so what the receivers write commits or rolls
  back with the accounts.
"""

from django.dispatch import Signal

users_created = Signal()
