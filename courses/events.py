"""What courses tells the apps above it (like classrooms.events): a lower layer never imports a
higher one, it sends one of these signals inside the transaction of the change, and the app that
cares (coverage.signals) subscribes and queues a task.

- ``learning_recorded(student_id, lesson_id, at)``: a student completed a lesson or answered an
  H5P activity in it, at ``at``: when it was done, which for work synced later from a phone
  (courses.offline) is the phone's time, not the time it arrived. A lesson's completion synced
  from a phone that predates the stored one moves it back: ``moved_from`` is the time it had.
"""

from django.dispatch import Signal

learning_recorded = Signal()
