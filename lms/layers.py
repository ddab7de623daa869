"""channels-redis's RedisChannelLayer with a bound on the Redis calls one process has in flight.

channels-redis gives each event loop an unbounded redis-py pool: every layer call that finds no
idle connection opens a new one (a TCP connect, two round trips, and redis-py reading its own
version from the installed packages' metadata) and the pool keeps it. When a class or a
province reconnects at once, a worker has a thousand group_add and group_discard calls in
flight and opens a thousand connections: in a 10,000-socket storm that was a tenth of the
workers' CPU, and Redis reset some of them, failing handshakes (docs/benchmarks.md).

Here at most `pool_size` sends and group changes of one process are in flight; the others wait
their turn (an asyncio semaphore), so the pool holds about that many connections. Receiving is
not bounded: the process's one reader of its queue never waits behind a wave of group changes
(redis-py's BlockingConnectionPool bounds every call alike, and delivery waited seconds behind
a storm's). The messages, groups and capacity are channels-redis's own.

And every connection the pool opens shares one `DriverInfo` (what the connection tells Redis
about its client library, CLIENT SETINFO): without one, redis-py builds its own per connection
and reads its version from the installed packages' metadata each time, 4.7% of the workers' CPU
in a storm (docs/benchmarks.md). A storm's profile still shows connections being opened (the
reader of the queue and channels-redis's cleaning of it are not bounded), so opening one must
stay cheap.
"""

import asyncio
import weakref

from channels_redis import core
from channels_redis.utils import create_pool
from redis import DriverInfo

# Built once: redis-py reads its version from the installed packages' metadata here.
DRIVER_INFO = DriverInfo()


class RedisChannelLayer(core.RedisChannelLayer):
    def __init__(self, *args, pool_size: int = 64, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._turns = weakref.WeakKeyDictionary()

    def _turn(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Semaphore(self.pool_size)
        return turn

    def create_pool(self, index):
        return create_pool({"driver_info": DRIVER_INFO, **self.hosts[index]})

    async def send(self, channel, message):
        async with self._turn():
            return await super().send(channel, message)

    async def group_add(self, group, channel):
        async with self._turn():
            return await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        async with self._turn():
            return await super().group_discard(group, channel)

    async def group_send(self, group, message):
        async with self._turn():
            return await super().group_send(group, message)
