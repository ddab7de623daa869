"""Run a Python program (manage.py, daphne) on the browser tests' clock.

time-machine moves the process's wall clock to E2E_NOW, ticking from there, before the program
starts, so the seeded sessions and the closure fall on a school day whatever day CI runs
(tests/e2e/conftest.py picks the day). Usage: python clocked.py PROGRAM [ARGS...].
"""

import datetime
import os
import runpy
import sys

import time_machine

time_machine.travel(datetime.datetime.fromisoformat(os.environ["E2E_NOW"]), tick=True).start()
sys.argv = sys.argv[1:]
# As `python PROGRAM` would: the program's folder first; and the project (the working folder),
# as Daphne expects, to import lms.asgi.
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
sys.path.insert(1, os.getcwd())
runpy.run_path(sys.argv[0], run_name="__main__")
