#!/usr/bin/python3
"""Exercise the server through redis-py (Debian's python3-redis), the way
applications do: plain commands, pipelines, transactions with WATCH,
SCAN iteration, INFO/CONFIG/CLIENT parsing, RESP decoding of every reply
type used. Prints OK on success; any exception fails the calling test."""
import sys
import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)

assert r.ping() is True
assert r.set("greeting", "hello") is True
assert r.get("greeting") == "hello"
assert r.set("greeting", "x", nx=True) is None
assert r.incr("counter") == 1
assert r.incrby("counter", 10) == 11
assert abs(r.incrbyfloat("f", 1.5) - 1.5) < 1e-9
assert r.mset({"a": "1", "b": "2"}) is True
assert r.mget("a", "b", "missing") == ["1", "2", None]
assert r.append("greeting", " world") == 11
assert r.getrange("greeting", 0, 4) == "hello"
assert r.setbit("bits", 7, 1) == 0 and r.bitcount("bits") == 1
assert r.expire("a", 100) is True and 0 < r.ttl("a") <= 100
assert r.persist("a") is True and r.ttl("a") == -1
assert r.exists("a", "b", "nope") == 2
assert r.type("a") == "string"

pipe = r.pipeline(transaction=False)
for i in range(100):
    pipe.set("p:%d" % i, i)
pipe.get("p:99")
res = pipe.execute()
assert res[-1] == "99" and all(x is True for x in res[:-1])

# Optimistic locking with WATCH, as redis-py's transaction helper does it.
def incr_twice(p):
    v = int(p.get("counter"))
    p.multi()
    p.set("counter", v + 2)
r.transaction(incr_twice, "counter")
assert r.get("counter") == "13"

keys = set(r.scan_iter(match="p:*", count=10))
assert len(keys) == 100, len(keys)

info = r.info()
assert info["redis_version"] == "7.0.15" and info["connected_clients"] >= 1
assert "db0" in r.info("keyspace")
assert r.config_get("maxmemory") == {"maxmemory": "0"}
assert r.config_set("hz", 20) is True
r.client_setname("py")
assert r.client_getname() == "py"
assert any(c["name"] == "py" for c in r.client_list())
assert r.dbsize() >= 100
try:
    r.execute_command("NOSUCHCOMMAND")
    raise SystemExit("unknown command did not raise")
except redis.ResponseError as e:
    assert "unknown command" in str(e)
try:
    r.incr("greeting")
    raise SystemExit("INCR on a string did not raise")
except redis.ResponseError as e:
    assert "not an integer" in str(e)
assert r.flushdb() is True
print("OK")
