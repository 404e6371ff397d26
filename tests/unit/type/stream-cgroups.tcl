# Stream consumer groups (src/stream_cg.c): delivery and PELs, acks,
# claiming, the 7.0 entries-read/lag counters, blocking XREADGROUP, and
# group state through DEBUG RELOAD. Reply-exact checks: tests/diff/stream.txt.

proc cg_wait_blocked {n} {
    wait_for_condition 100 10 {[s blocked_clients] == $n} else {
        fail "expected $n blocked clients, have [s blocked_clients]"
    }
}

start_server {tags {stream}} {
    test {XREADGROUP ">" delivers each entry once across consumers} {
        r del s
        r config set stream-node-max-entries 8
        for {set i 1} {$i <= 100} {incr i} { r xadd s $i-0 n $i }
        r xgroup create s g 0
        set seen {}
        set names {alice bob carol}
        for {set k 0} {[llength $seen] < 100} {incr k} {
            set who [lindex $names [expr {$k % 3}]]
            set res [r xreadgroup group g $who count 7 streams s >]
            foreach e [lindex $res 0 1] { lappend seen [lindex $e 0] }
        }
        assert_equal [llength [lsort -unique $seen]] 100
        assert_equal [r xreadgroup group g alice streams s >] {}
        set summary [r xpending s g]
        assert_equal [lindex $summary 0] 100
        assert_equal [lrange $summary 1 2] {1-0 100-0}
        set total 0
        foreach pair [lindex $summary 3] { incr total [lindex $pair 1] }
        assert_equal $total 100
        r config set stream-node-max-entries 100
    }

    test {History reads return the consumer's own PEL and bump delivery counts} {
        set mine [r xreadgroup group g alice streams s 0]
        set ids {}
        foreach e [lindex $mine 0 1] { lappend ids [lindex $e 0] }
        set pend [r xpending s g - + 1000 alice]
        assert_equal [llength $pend] [llength $ids]
        foreach p $pend { assert_equal [lindex $p 3] 2 }
        # A deleted entry shows as a nil body.
        r xdel s [lindex $ids 0]
        set mine [r xreadgroup group g alice count 1 streams s 0]
        assert_equal [lindex $mine 0 1 0] [list [lindex $ids 0] {}]
    }

    test {XACK empties the PELs of group and consumer} {
        set pend [r xpending s g - + 1000 bob]
        set ids {}
        foreach p $pend { lappend ids [lindex $p 0] }
        assert_equal [r xack s g {*}$ids] [llength $ids]
        assert_equal [r xpending s g - + 1000 bob] {}
        assert_equal [r xack s g {*}$ids] 0
        set cons [r xinfo consumers s g]
        foreach c $cons {
            if {[dict get $c name] eq "bob"} { assert_equal [dict get $c pending] 0 }
        }
    }

    test {XCLAIM honours min-idle, moves ownership, drops deleted entries} {
        r del c
        r xadd c 1-0 a 1
        r xadd c 2-0 a 2
        r xadd c 3-0 a 3
        r xgroup create c g 0
        r xreadgroup group g alice streams c >
        # Not idle enough.
        assert_equal [r xclaim c g bob 100000 1-0] {}
        assert_equal [r xclaim c g bob 0 1-0 JUSTID] {1-0}
        assert_equal [lindex [r xpending c g - + 10 bob] 0 0] 1-0
        # IDLE sets the idle time; RETRYCOUNT the count.
        r xclaim c g bob 0 2-0 IDLE 500000 RETRYCOUNT 9
        set p [lindex [r xpending c g IDLE 400000 - + 10] 0]
        assert_equal [lindex $p 0] 2-0
        assert_equal [lindex $p 1] bob
        assert_equal [lindex $p 3] 9
        r xdel c 3-0
        assert_equal [r xclaim c g bob 0 3-0] {}
        assert_equal [lindex [r xpending c g] 0] 2
        # FORCE creates a PEL entry for a never delivered ID.
        r xadd c 4-0 a 4
        assert_equal [r xclaim c g carol 0 4-0 FORCE JUSTID] {4-0}
        assert_equal [lindex [r xpending c g] 0] 3
    }

    test {XAUTOCLAIM walks the PEL with a cursor and reports deleted IDs} {
        r del a
        for {set i 1} {$i <= 50} {incr i} { r xadd a $i-0 f $i }
        r xgroup create a g 0
        r xreadgroup group g alice streams a >
        r xdel a 10-0 20-0
        set cursor 0-0
        set claimed {}
        set deleted {}
        while 1 {
            lassign [r xautoclaim a g bob 0 $cursor COUNT 7 JUSTID] cursor ids dels
            lappend claimed {*}$ids
            lappend deleted {*}$dels
            if {$cursor eq "0-0"} break
        }
        assert_equal [llength $claimed] 48
        assert_equal $deleted {10-0 20-0}
        assert_equal [lindex [r xpending a g] 3] {{bob 48}}
    }

    test {entries-read and lag follow reads, deletions and SETID} {
        r del l
        for {set i 1} {$i <= 5} {incr i} { r xadd l $i-0 f $i }
        r xgroup create l g 0
        set gi [lindex [r xinfo groups l] 0]
        assert_equal [dict get $gi entries-read] {}
        assert_equal [dict get $gi lag] 5
        r xreadgroup group g c count 2 streams l >
        set gi [lindex [r xinfo groups l] 0]
        assert_equal [dict get $gi entries-read] 2
        assert_equal [dict get $gi lag] 3
        # A tombstone after the group makes the lag unknown.
        r xdel l 4-0
        assert_equal [dict get [lindex [r xinfo groups l] 0] lag] {}
        r xreadgroup group g c streams l >
        set gi [lindex [r xinfo groups l] 0]
        assert_equal [dict get $gi entries-read] 5
        assert_equal [dict get $gi lag] 0
        # Back to the start: the tombstone ahead makes the lag unknown again
        # (as stock), until the tombstones are behind the first entry.
        r xgroup setid l g 0 ENTRIESREAD 0
        assert_equal [dict get [lindex [r xinfo groups l] 0] lag] {}
        r xtrim l MINID 5
        assert_equal [dict get [lindex [r xinfo groups l] 0] lag] 5
    }

    test {XREADGROUP BLOCK is served by XADD and records the PEL} {
        r del bq
        r xgroup create bq g $ MKSTREAM
        set rd [redis_deferring_client]
        $rd xreadgroup group g alice BLOCK 0 streams bq >
        cg_wait_blocked 1
        r xadd bq 1-0 k v
        assert_equal [$rd read] {{bq {{1-0 {k v}}}}}
        assert_equal [lindex [r xpending bq g] 0] 1
        # NOACK leaves nothing pending.
        $rd xreadgroup group g bob NOACK BLOCK 0 streams bq >
        cg_wait_blocked 1
        r xadd bq 2-0 k v
        assert_equal [$rd read] {{bq {{2-0 {k v}}}}}
        assert_equal [lindex [r xpending bq g] 0] 1
        assert_equal [llength [r xinfo consumers bq g]] 2
        $rd close
    }

    test {XGROUP DESTROY unblocks XREADGROUP with NOGROUP} {
        set rd [redis_deferring_client]
        $rd xreadgroup group g alice BLOCK 0 streams bq >
        cg_wait_blocked 1
        r xgroup destroy bq g
        assert_error {NOGROUP the consumer group this client was blocked on no longer exists} {$rd read}
        cg_wait_blocked 0
        $rd close
    }

    test {Blocked XREADGROUP clients are served in order, one entry each with COUNT 1} {
        r del fq
        r xgroup create fq g $ MKSTREAM
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        $c1 xreadgroup group g one COUNT 1 BLOCK 0 streams fq >
        cg_wait_blocked 1
        $c2 xreadgroup group g two COUNT 1 BLOCK 0 streams fq >
        cg_wait_blocked 2
        r multi
        r xadd fq 1-0 a 1
        r xadd fq 2-0 a 2
        r exec
        assert_equal [$c1 read] {{fq {{1-0 {a 1}}}}}
        assert_equal [$c2 read] {{fq {{2-0 {a 2}}}}}
        $c1 close
        $c2 close
    }

    test {DEBUG RELOAD keeps PELs, consumers and counters} {
        set before [list [r xinfo stream a full] [r xinfo stream c full] [r xinfo stream l full]]
        r debug reload
        assert_equal [list [r xinfo stream a full] [r xinfo stream c full] [r xinfo stream l full]] $before
        # The PEL still works after loading.
        assert_equal [r xack a g 1-0] 1
    }

    test {XGROUP DELCONSUMER drops its pending entries from the group} {
        set n [lindex [r xpending a g] 0]
        assert_equal [r xgroup delconsumer a g bob] $n
        assert_equal [lindex [r xpending a g] 0] 0
    }
}
