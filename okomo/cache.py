"""The cache backend: Django's Redis cache, with one redis-py client per connection pool."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    # Django builds a new redis.Redis for every cache call, registering its couple of hundred
    # response callbacks each time: more CPU than the round trip to Redis. One client per
    # pool serves every call and thread (redis-py's clients are thread-safe: a command takes
    # a connection from the pool only while it runs).
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
