"""A spy on the cache's writes, for tests that count them."""

WRITES = ("set", "set_many", "add", "delete", "delete_many", "incr", "decr", "touch")


class CacheSpy:
    """Records every write to a cache as (operation, key): the outermost call
    only, so a `set_many` that the backend runs as a loop of `set`s counts once
    per key, as it does on Redis."""

    def __init__(self, cache, monkeypatch):
        self.writes: list[tuple[str, str]] = []
        self._depth = 0
        for name in WRITES:
            monkeypatch.setattr(cache, name, self._wrap(name, getattr(cache, name)))

    def _wrap(self, name, method):
        def spy(*args, **kwargs):
            outermost = self._depth == 0
            self._depth += 1
            try:
                return method(*args, **kwargs)
            finally:
                self._depth -= 1
                if outermost:
                    keys = args[0] if name in ("set_many", "delete_many") else args[:1]
                    self.writes.extend((name, key) for key in keys)

        return spy

    def written_keys(self) -> list[str]:
        return [key for _, key in self.writes]
