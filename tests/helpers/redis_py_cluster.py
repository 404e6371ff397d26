#!/usr/bin/python3
"""Drive a cluster through redis-py's RedisCluster (Debian's python3-redis),
as applications do: it discovers the slots with CLUSTER SLOTS, writes and
reads keys over many slots, runs a cluster pipeline and multi-key commands
with hash tags. Then it keeps the same client (and its now stale slot map)
across failovers the caller makes: on each "check" line from stdin it reads
every key back and writes more, following MOVED and reconnecting as needed.
Prints "OK <detail>" after each step; any exception fails the calling test.

    redis_py_cluster.py PORT      then lines: check | quit
"""
import logging
import sys
from redis.cluster import RedisCluster


class Redirects(logging.Handler):
    """Counts what redis-py's cluster client logs, as an exception each,
    when it follows a MOVED, loses a connection or is told CLUSTERDOWN
    (then it reloads the slot map), so the caller can tell the failovers
    were really noticed; also keeps it off stderr."""

    def __init__(self):
        super().__init__()
        self.counts = {}

    def emit(self, record):
        msg = record.getMessage()
        for kind in ("MovedError", "AskError", "ConnectionError", "TimeoutError",
                     "ClusterDownError", "TryAgainError"):
            if kind in msg:
                self.counts[kind] = self.counts.get(kind, 0) + 1

    def describe(self):
        total = sum(self.counts.values())
        detail = ",".join("%s:%d" % kv for kv in sorted(self.counts.items()))
        return "redirects=%d (%s)" % (total, detail)


redirects = Redirects()
logging.getLogger("redis").addHandler(redirects)
logging.getLogger("redis").propagate = False

port = int(sys.argv[1])
rc = RedisCluster(host="127.0.0.1", port=port, decode_responses=True)
expected = {}


def write_batch(tag, n):
    for i in range(n):
        key = "rp:%s:%d" % (tag, i)
        assert rc.set(key, "v%d" % i) is True
        expected[key] = "v%d" % i


def check_all():
    for key, value in expected.items():
        got = rc.get(key)
        assert got == value, (key, got, value)


def masters_with_keys():
    return sum(1 for node in rc.get_primaries() if rc.dbsize(target_nodes=node) > 0)


# Keys over many slots, one command each.
write_batch("a", 500)
slots = {rc.keyslot(k) for k in expected}
assert len(slots) > 400, len(slots)
check_all()

# A cluster pipeline: redis-py groups the commands per node.
pipe = rc.pipeline()
for i in range(300):
    pipe.set("rp:pipe:%d" % i, i)
for i in range(300):
    pipe.get("rp:pipe:%d" % i)
res = pipe.execute()
assert all(x is True for x in res[:300]), res[:300]
assert res[300:] == [str(i) for i in range(300)], res[300:]
for i in range(300):
    expected["rp:pipe:%d" % i] = str(i)

# Multi-key commands within one slot (hash tag), and their refusal across.
rc.mset_nonatomic({"{u1}a": "1", "{u1}b": "2"})
assert rc.mget_nonatomic(["{u1}a", "{u1}b"]) == ["1", "2"]
assert rc.execute_command("MSET", "{u2}x", "1", "{u2}y", "2") is True
assert rc.incr("{u2}x") == 2
print("OK keys=%d slots=%d masters=%d" % (len(expected), len(slots), masters_with_keys()),
      flush=True)

step = 0
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "quit":
        break
    if cmd != "check":
        raise SystemExit("unknown command %r" % cmd)
    step += 1
    check_all()
    write_batch("b%d" % step, 200)
    check_all()
    print("OK step=%d keys=%d %s" % (step, len(expected), redirects.describe()), flush=True)
