#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_rdb: DUMP payloads (footer stripped, as the
target expects) of every type and encoding, taken from a running server
(stock 7.0.15 by default, so the seeds are what real peers send).

    tests/fuzz/make_rdb_seeds.py [port] [outdir]
"""
import hashlib, os, socket, sys

def command(sock, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return read_reply(sock.makefile("rb"))

def read_reply(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b":"):
        return rest
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise RuntimeError("bad reply %r" % line)

def dataset(s):
    c = lambda *a: command(s, *a)
    c("FLUSHALL")
    c("CONFIG", "SET", "list-max-listpack-size", "4")
    c("SET", "str:raw", "hello world")
    c("SET", "str:int", "12345")
    c("SET", "str:long", "x" * 300)          # LZF-compressed
    c("RPUSH", "list:small", "a", "b", "1", "-7")
    c("RPUSH", "list:quick", *["e%d" % i for i in range(40)])
    c("SADD", "set:int", 1, 2, 3, -100000)
    c("SADD", "set:lp", "a", "b", "c")
    c("SADD", "set:ht", *["m%d" % i for i in range(200)])
    c("ZADD", "zset:lp", 1, "a", 2.5, "b", "-inf", "c")
    c("ZADD", "zset:sl", *sum([[i * 0.5, "m%d" % i] for i in range(200)], []))
    c("HSET", "hash:lp", "f1", "v1", "f2", "2")
    c("HSET", "hash:ht", *sum([["f%d" % i, "v%d" % i] for i in range(200)], []))
    c("HSET", "hash:long", "f", "v" * 100)
    c("PFADD", "hll:sparse", "a", "b", "c")
    c("PFADD", "hll:dense", *["e%d" % i for i in range(5000)])
    c("XADD", "stream:plain", "1-1", "f", "v")
    c("XADD", "stream:plain", "2-1", "f", "v", "g", "w")
    c("XADD", "stream:groups", "1-1", "a", "1")
    c("XADD", "stream:groups", "5-0", "b", "2")
    c("XGROUP", "CREATE", "stream:groups", "g1", "0")
    c("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "1", "STREAMS", "stream:groups", ">")
    c("XGROUP", "CREATE", "stream:groups", "g2", "$")
    c("XADD", "stream:trimmed", "MAXLEN", "2", "*", "x", "y")
    for i in range(5):
        c("XADD", "stream:trimmed", "MAXLEN", "2", "*", "x", "y%d" % i)
    c("XDEL", "stream:plain", "1-1")
    return [k.decode() for k in c("KEYS", "*")]

def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    outdir = sys.argv[2] if len(sys.argv) > 2 else "tests/fuzz/fuzz_rdb/seeds"
    os.makedirs(outdir, exist_ok=True)
    s = socket.create_connection(("127.0.0.1", port))
    for key in dataset(s):
        body = command(s, "DUMP", key)[:-10]
        name = hashlib.sha1(body).hexdigest()
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(body)
    print("%s: %d seeds" % (outdir, len(os.listdir(outdir))))

if __name__ == "__main__":
    main()
