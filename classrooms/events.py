"""What classrooms tells the apps above it. A lower layer never imports a higher one
(DESIGN.md "Layout"): it sends one of these signals after its transaction commits, and the
app that cares (coverage.signals) subscribes.

- ``session_ended(session)``: a live session ended and its attendance records were built.
- ``closure_changed(closure, classroom_ids, dates)``: a closure was declared, edited, ended or
  cancelled; these classes count differently on these days.
"""

from django.db import transaction
from django.dispatch import Signal

session_ended = Signal()
closure_changed = Signal()


def send_on_commit(signal: Signal, sender, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))
