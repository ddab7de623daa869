"""Work of one process (one event loop) done together: what arrives while a call to the
process's one thread for database work is running becomes the next call (`ProcessBatch`). The
live room batches its handshakes, heartbeats, chat and disconnects this way
(classrooms.live.batching), and the websocket stack its users (lms.routing)."""

import asyncio
import logging
import weakref

from channels.db import database_sync_to_async

logger = logging.getLogger(__name__)


class PerLoop:
    """One instance per subclass and event loop (one loop per Daphne process), made on first
    use: `for_loop()`. What its sockets share (a batch, the sends in flight) lives there."""

    _per_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PerLoop]"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._per_loop = weakref.WeakKeyDictionary()

    @classmethod
    def for_loop(cls):
        loop = asyncio.get_running_loop()
        instance = cls._per_loop.get(loop)
        if instance is None:
            instance = cls._per_loop[loop] = cls()
        return instance


class ProcessBatch(PerLoop):
    """Requests of one process (one event loop) written together: those that arrive while a
    write is running, or within `window` seconds of the first, become one database call
    (`write`, through `database_sync_to_async`) instead of one call each. Each caller gets its
    own result once that call is done. If the call fails, each request is tried again alone,
    so that one bad request fails only its own caller.

    The room's database work all runs on the process's one thread for sync work; one call per
    request queues there under load (each call is a hop to that thread and back, a commit, and
    without persistent connections a connect and a close), while the batch grows with the load."""

    window = 0.0

    def __init__(self):
        self.pending: list[tuple[object, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    def write(self, items: list) -> list:
        raise NotImplementedError

    async def add(self, item):
        done = asyncio.get_running_loop().create_future()
        self.pending.append((item, done))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._flush())
        return await done

    async def _flush(self):
        while self.pending:
            await asyncio.sleep(self.window)
            batch, self.pending = self.pending, []
            try:
                results = await database_sync_to_async(self.write)([item for item, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    settle(batch[0][1], exception=exc)
                    continue
                logger.warning("a batch of %d failed; writing each alone", len(batch))
                for item, done in batch:
                    try:
                        [result] = await database_sync_to_async(self.write)([item])
                    except Exception as alone:
                        settle(done, exception=alone)
                    else:
                        settle(done, result=result)
            else:
                for (_, done), result in zip(batch, results, strict=True):
                    settle(done, result=result)


def settle(done: asyncio.Future, *, result=None, exception: BaseException | None = None):
    if done.done():  # the caller went away (its socket closed)
        return
    if exception is not None:
        done.set_exception(exception)
    else:
        done.set_result(result)
