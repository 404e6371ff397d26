#!/usr/bin/python3
"""Fill a range of hash slots with keys, or check that they are all still
there, through redis-py's RedisCluster (Debian python3-redis) pipelines.
Each slot of LO..HI gets PER keys "{tag}:j" (tag: a short string hashing to
that slot), value "v<j>-<tag>". DEBUG POPULATE is no use in a cluster (its
keys land in every slot); this puts a known set of keys exactly where a
reshard moves them.

    cluster_fill.py fill|verify PORT LO HI PER [FIRST]   prints "OK <count>"

FIRST (default 0) numbers the keys FIRST..FIRST+PER-1 in each slot, so a
second filler can write other keys into the same slots, e.g. while they
migrate (redis-py follows the ASK and MOVED redirections).
"""
import logging
import sys
from redis.cluster import RedisCluster
from redis.crc import key_slot

mode, port, lo, hi, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
first = int(sys.argv[6]) if len(sys.argv) > 6 else 0


def tags_for_range():
    """One tag per slot of lo..hi, found by trying short names in order."""
    tags, i = {}, 0
    while len(tags) < hi - lo + 1:
        tag = "t%d" % i
        slot = key_slot(tag.encode())
        if lo <= slot <= hi and slot not in tags:
            tags[slot] = tag
        i += 1
    return list(tags.values())


def keys():
    for tag in tags_for_range():
        for j in range(first, first + per):
            yield "{%s}:%d" % (tag, j), "v%d-%s" % (j, tag)


# redis-py logs every redirection it follows as an exception: keep the
# test output readable (real failures still raise).
logging.getLogger("redis").addHandler(logging.NullHandler())
logging.getLogger("redis").propagate = False
rc = RedisCluster(host="127.0.0.1", port=port, decode_responses=True)
pairs = list(keys())
# Small batches while slots move: a pipeline that meets a redirection is
# retried command by command.
BATCH = 5000 if first == 0 else 200
count = 0
for start in range(0, len(pairs), BATCH):
    chunk = pairs[start:start + BATCH]
    pipe = rc.pipeline()
    for k, v in chunk:
        if mode == "fill":
            pipe.set(k, v)
        else:
            pipe.get(k)
    res = pipe.execute()
    for (k, v), got in zip(chunk, res):
        want = True if mode == "fill" else v
        assert got == want, (k, got, want)
        count += 1
print("OK %d" % count, flush=True)
