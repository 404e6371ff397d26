#!/usr/bin/env python3
"""fuzz-cluster-bus.py - throw valid-looking and corrupted cluster bus packets at a node.

Usage: fuzz-cluster-bus.py <client-port> <seed>   (the node must be cluster-enabled;
run it against an ASan build: make SANITIZE=address). A fake node named ffff...
MEETs the target, answers its PINGs (on port 46000+seed) with PONGs carrying gossip
and forgotten-node extensions about itself and the target, NAT extensions (valid and
mutated), and streams mutated
PING/PONG/MEET/FAIL/UPDATE/PUBLISH/... packets. The node must stay up and clean."""
import socket, struct, random, sys, time
sys.path.insert(0, '/tmp')
port = int(sys.argv[1]); seed = int(sys.argv[2]); random.seed(seed)
bport = port + 10000
NAME = b'f' * 40
import subprocess
MYID = subprocess.check_output(['redis-cli','-p',sys.argv[1],'cluster','myid']).strip()
CPORT = 46000 + seed
def hdr(typ, count=0, totlen=2256, flags=1, slots=None, slaveof=b'\0'*40, ext=0, mflags=0, cur=1, cfg=1, name=NAME):
    h = b'RCmb' + struct.pack('>IHHHHQQQ', totlen, 1, 7777, typ, count, cur, cfg, 0) + name
    h += (slots or b'\0'*2048) + slaveof + b'\0'*46 + struct.pack('>H', ext) + b'\0'*30
    h += struct.pack('>HHHB', 0, CPORT, flags, 0) + bytes([mflags, 0, 0])
    assert len(h) == 2256
    return h
def gossip(name, ip=b'127.0.0.1', port=1, cport=2, flags=1):
    return name + struct.pack('>II', 0, 0) + ip.ljust(46, b'\0') + struct.pack('>HHHHH', port, cport, flags, 0, 0)
def ext(typ, payload):
    pl = payload + b'\0' * ((8 - len(payload) % 8) % 8)
    return struct.pack('>IHH', 8 + len(pl), typ, 0) + pl
def natext():
    """The NAT extension (type 0x4E41, docs/nat.md): valid, then mutated or cut."""
    host = random.choice([b'', b'pod-0.redis', b'x' * random.randint(0, 300)])
    p = bytearray(struct.pack('>BBHHHHH', 1, random.randint(0, 3), 0, 7777, 0, random.choice([CPORT, 1, 0]), 0))
    p += random.choice([b'127.0.0.1', b'::1', b'999.1.1.1', b'x' * 46]).ljust(46, b'\0')[:46]
    p += struct.pack('>H', random.choice([len(host), 0, 0xffff, len(host) + 3])) + host
    for _ in range(random.randint(0, 3)):
        p[random.randrange(len(p))] = random.getrandbits(8)
    return ext(0x4E41, bytes(p[:random.randint(0, len(p))] if random.random() < 0.2 else p))
def packets():
    g = [gossip(bytes(random.choice(b'0123456789abcdef') for _ in range(40)), flags=random.choice([1,2,4,8,64,0])) for _ in range(random.randint(0,3))]
    e = [ext(random.choice([0,1,2,3,4,9]), bytes(random.getrandbits(8) for _ in range(random.randint(0,60)))) for _ in range(random.randint(0,3))]
    if random.random() < 0.4: e.append(natext())
    body = b''.join(g) + b''.join(e)
    slots = bytes(random.getrandbits(8) if random.random() < 0.3 else 0 for _ in range(2048))
    typ = random.choice([0,0,1,2,3,4,5,6,7,8,9,10])
    if typ in (0,1,2):
        p = hdr(typ, len(g), 2256+len(body), slots=slots, ext=len(e), mflags=4 if e else 0, cur=random.randint(0,50), cfg=random.randint(0,50), flags=random.choice([1,2,17,3])) + body
    elif typ == 3:
        p = hdr(3, totlen=2296) + random.choice([bytes(40), b'f'*40, bytes(random.getrandbits(8) for _ in range(40))])
    elif typ == 7:
        p = hdr(7, totlen=4352) + struct.pack('>Q', random.randint(0, 100)) + random.choice([b'f'*40, bytes(40)]) + slots
    elif typ in (4, 10):
        ch = b'chan'; m = b'msg' * random.randint(0, 5)
        p = hdr(typ, totlen=2264+len(ch)+len(m)) + struct.pack('>II', len(ch), len(m)) + ch + m
    else:
        p = hdr(typ)
    p = bytearray(p)
    for _ in range(random.choice([0, 0, 1, 2, 5])):
        p[random.randrange(len(p))] = random.getrandbits(8)
    return bytes(p)
import threading
def answer(c):
    buf = b''
    while True:
        try: d = c.recv(65536)
        except: return
        if not d: return
        buf += d
        while len(buf) >= 8:
            tl = struct.unpack('>I', buf[4:8])[0]
            if len(buf) < tl: break
            buf = buf[tl:]
            try:
                if random.random() < 0.5: c.sendall(hdr(1))  # PONG from NAME
                else:
                    g = gossip(NAME, ip=b'10.9.9.9', port=5, cport=6, flags=1) + gossip(MYID, flags=1)
                    e = ext(2, NAME + struct.pack('>Q', 5)) if random.random() < 0.3 else ext(2, MYID + struct.pack('>Q', 5))
                    body = g + e
                    c.sendall(hdr(1, 2, 2256 + len(body), ext=1, mflags=4, cur=random.randint(0,9), cfg=random.randint(0,9)) + body)
                    c.sendall(packets())
            except: return
def listener():
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', CPORT)); ls.listen(16)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=answer, args=(c,), daemon=True).start()
threading.Thread(target=listener, daemon=True).start()
s = socket.create_connection(('127.0.0.1', bport))
s.sendall(hdr(2))  # MEET
time.sleep(1.5)
time.sleep(0.2)
s.setblocking(False)
for i in range(3000):
    try:
        s.sendall(packets() if random.random() < 0.9 else hdr(3, totlen=2296) + NAME)
    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
        try: s.close()
        except: pass
        time.sleep(0.01)
        s = socket.create_connection(('127.0.0.1', bport)); s.setblocking(False)
        try: s.sendall(hdr(2))
        except: pass
    try: s.recv(65536)
    except: pass
print("sent")
