"""What classrooms tells the apps above it. A lower layer never imports a higher one
(DESIGN.md "Layout"): it sends one of these signals inside the transaction of the change, and
the app that cares (coverage.signals) subscribes. Receivers do no slow work inline: they queue
a task (jobs.queue.enqueue), which on the database backend commits or rolls back with the
change, so no change is committed without its reaction queued.

- ``session_ended(session)``: a live session ended and its attendance records were built.
- ``closure_changed(closure, classroom_ids, dates)``: a closure was declared, edited, ended or
  cancelled; these classes count differently on these days.
"""

from django.dispatch import Signal

session_ended = Signal()
closure_changed = Signal()


def announce(signal: Signal, sender, **kwargs) -> None:
    signal.send(sender=sender, **kwargs)
