# BZPOPMIN, BZPOPMAX and BZMPOP (zset_blocking.c on top of blocked.c).
# Immediate replies and errors are compared byte for byte with stock in
# tests/diff/zset_blocking.txt; here: several clients, time, propagation.

proc zb_wait_blocked {n} {
    wait_for_condition 100 10 {
        [s blocked_clients] == $n
    } else {
        fail "expected $n blocked clients, got [s blocked_clients]"
    }
}

# The incr AOF file's text, once the server wrote it.
proc zb_incr_aof {} {
    set dir [file join [lindex [r config get dir] 1] [lindex [r config get appenddirname] 1]]
    set f [lindex [lsort [glob -directory $dir *.incr.aof]] end]
    set fh [open $f r]
    fconfigure $fh -translation binary
    set data [read $fh]
    close $fh
    return $data
}

proc zb_resp {args} {
    set out "*[llength $args]\r\n"
    foreach a $args {append out "\$[string length $a]\r\n$a\r\n"}
    return $out
}

start_server {tags {zset blocking}} {
    test {BZPOPMIN / BZPOPMAX pop at once from the first non-empty key} {
        r del z1 z2
        r zadd z2 1 a 2 b 3 c
        assert_equal {z2 a 1} [r bzpopmin z1 z2 0]
        assert_equal {z2 c 3} [r bzpopmax z1 z2 0]
        assert_equal {z2 {{b 2}}} [r bzmpop 0 2 z1 z2 MIN COUNT 5]
        assert_equal 0 [r exists z2]
    }

    test {BZPOPMIN blocks until a ZADD, then returns key, member, score} {
        r del bz
        set rd [redis_deferring_client]
        $rd bzpopmin bz 0
        zb_wait_blocked 1
        r zadd bz 2 b 1 a
        assert_equal {bz a 1} [$rd read]
        assert_equal {b} [r zrange bz 0 -1]
        zb_wait_blocked 0
        $rd close
    }

    test {BZMPOP served from the first key that gets a sorted set, with COUNT} {
        r del k1 k2
        set rd [redis_deferring_client]
        $rd bzmpop 0 2 k1 k2 MAX COUNT 2
        zb_wait_blocked 1
        r zadd k2 1 a 2 b 3 c
        assert_equal {k2 {{c 3} {b 2}}} [$rd read]
        assert_equal {a} [r zrange k2 0 -1]
        $rd close
    }

    test {Blocked zset clients are served in FIFO order, one member each} {
        r del q
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        set c3 [redis_deferring_client]
        $c1 bzpopmin q 0
        zb_wait_blocked 1
        $c2 bzpopmax q 0
        zb_wait_blocked 2
        $c3 bzmpop 0 1 q MIN
        zb_wait_blocked 3
        r zadd q 1 a 2 b
        assert_equal {q a 1} [$c1 read]
        assert_equal {q b 2} [$c2 read]
        zb_wait_blocked 1
        r zadd q 5 e
        assert_equal {q {{e 5}}} [$c3 read]
        assert_equal 0 [r exists q]
        $c1 close; $c2 close; $c3 close
    }

    test {A key of another type does not serve; the client waits on} {
        r del w
        set rd [redis_deferring_client]
        $rd bzpopmin w 0
        zb_wait_blocked 1
        r rpush w x
        r del w
        r zadd w 7 m
        assert_equal {w m 7} [$rd read]
        $rd close
    }

    test {BZPOPMIN / BZMPOP time out with a null reply} {
        set rd [redis_deferring_client]
        set t0 [clock milliseconds]
        $rd bzpopmin nokey 0.2
        assert_equal {} [$rd read]
        assert_morethan_equal [expr {[clock milliseconds] - $t0}] 190
        $rd bzmpop 0.1 1 nokey MAX
        assert_equal {} [$rd read]
        assert_equal 0 [s clients_in_timeout_table]
        $rd close
    }

    test {CLIENT UNBLOCK: TIMEOUT gives the null reply, ERROR -UNBLOCKED} {
        set rd [redis_deferring_client]
        $rd client id
        set id [$rd read]
        $rd bzpopmax nokey 0
        zb_wait_blocked 1
        assert_match {*cmd=bzpopmax*} [r client list id $id]
        assert_equal 1 [r client unblock $id]
        assert_equal {} [$rd read]
        $rd bzmpop 0 1 nokey MIN
        zb_wait_blocked 1
        assert_equal 1 [r client unblock $id error]
        catch {$rd read} e
        assert_match {UNBLOCKED*} $e
        $rd close
    }

    test {Inside MULTI the blocking pops do not block} {
        r del nokey
        r multi
        r bzpopmin nokey 0
        r bzmpop 0 1 nokey MIN
        assert_equal {{} {}} [r exec]
    }

    test {WRONGTYPE, and the timeout error} {
        r del s
        r set s x
        assert_error {WRONGTYPE*} {r bzpopmin nokey s 0}
        assert_error {WRONGTYPE*} {r bzmpop 0 2 nokey s MIN}
        assert_error {*timeout is negative*} {r bzpopmin nokey -1}
    }

    test {A served pop fires zpopmin and del keyspace events} {
        r config set notify-keyspace-events KEgz
        r del ev
        set sub [redis_deferring_client]
        $sub psubscribe __keyevent@*__:*
        $sub read
        set rd [redis_deferring_client]
        $rd bzpopmin ev 0
        zb_wait_blocked 1
        r zadd ev 1 a
        assert_equal {ev a 1} [$rd read]
        assert_equal {pmessage __keyevent@*__:* __keyevent@0__:zadd ev} [$sub read]
        assert_equal {pmessage __keyevent@*__:* __keyevent@0__:zpopmin ev} [$sub read]
        assert_equal {pmessage __keyevent@*__:* __keyevent@0__:del ev} [$sub read]
        r config set notify-keyspace-events ""
        $sub close; $rd close
    }

    test {RESP3: BZPOPMIN flat, BZMPOP nested, timeouts are nulls} {
        set rd [redis_deferring_client]
        $rd hello 3
        $rd read
        r del r3
        r zadd r3 1 a 2 b
        $rd bzpopmin r3 0
        assert_equal {r3 a 1} [$rd read]
        $rd bzmpop 0 1 r3 MIN
        assert_equal {r3 {{b 2}}} [$rd read]
        $rd bzpopmin nokey 0.05
        assert_equal {} [$rd read]
        $rd close
    }
}

start_server {tags {zset blocking aof} overrides {appendonly yes aof-use-rdb-preamble no appendfsync always}} {
    test {Immediate and served pops are propagated as ZPOPMIN/ZPOPMAX} {
        r select 0
        r zadd z 1 a 2 b 3 c
        r bzpopmin z 0
        r bzmpop 0 1 z MAX COUNT 5
        set rd [redis_deferring_client]
        $rd select 0
        $rd read
        $rd bzmpop 0 1 z2 MIN COUNT 3
        zb_wait_blocked 1
        r zadd z2 1 a 2 b
        $rd read
        $rd bzpopmax z3 0
        zb_wait_blocked 1
        r zadd z3 1 a
        $rd read
        $rd close
        set aof [zb_incr_aof]
        set want [zb_resp ZPOPMIN z][zb_resp ZPOPMAX z 2]
        append want [zb_resp zadd z2 1 a 2 b][zb_resp ZPOPMIN z2 2]
        append want [zb_resp zadd z3 1 a][zb_resp ZPOPMAX z3]
        assert_match "*$want" $aof
    }
}
