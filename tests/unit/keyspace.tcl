# Keyspace behaviour that a single reply can't show: SCAN's guarantee
# across rehashing, lazy and active expiry, WATCH across clients, SWAPDB
# and FLUSHALL ASYNC.

# Run a full SCAN with COUNT `count`, evaluating `between` in the caller
# after every call (to change the table mid-scan); returns the keys seen.
proc scan_collect {count between} {
    set seen [dict create]
    set cursor 0
    while 1 {
        lassign [r scan $cursor count $count] cursor keys
        foreach k $keys {dict set seen $k 1}
        uplevel 1 $between
        if {$cursor == 0} break
    }
    return $seen
}

proc assert_all_seen {seen prefix n} {
    for {set i 0} {$i < $n} {incr i} {
        assert {[dict exists $seen $prefix:$i]}
    }
}

start_server {tags {keyspace}} {
    test {SCAN returns every key present for the whole scan while the table grows} {
        r flushall
        r debug populate 1000 stable
        set round 0
        # Grow the table between calls to force rehashing mid-scan.
        set seen [scan_collect 50 {
            if {[incr round] <= 20} {r debug populate 1000 grow$round}
        }]
        assert_all_seen $seen stable 1000
    }

    test {SCAN returns every key present for the whole scan while the table shrinks} {
        r flushall
        r debug populate 1000 stable
        r debug populate 20000 temp
        set deleted 0
        set seen [scan_collect 100 {
            if {$deleted < 20000} {
                set batch {}
                for {set j 0} {$j < 2000} {incr j} {lappend batch temp:$deleted; incr deleted}
                r del {*}$batch
            }
        }]
        assert_all_seen $seen stable 1000
    }

    test {SCAN TYPE and MATCH filter} {
        r flushall
        r set s1 a
        r set s2 b
        r set other c
        set keys [lindex [r scan 0 match s* count 1000] 1]
        assert_equal {s1 s2} [lsort $keys]
        assert_equal 3 [llength [lindex [r scan 0 type string count 1000] 1]]
        assert_equal 0 [llength [lindex [r scan 0 type list count 1000] 1]]
    }

    test {lazy expiry: an expired key disappears when read} {
        r flushall
        r debug set-active-expire 0
        set before [s expired_keys]
        r set k v px 10
        wait_for_condition 50 10 {[r dbsize] == 1 && [r pttl k] == -2} else {
            fail "key did not logically expire"
        }
        assert_equal {} [r get k]
        assert_equal 0 [r dbsize]
        assert_equal [expr {$before + 1}] [s expired_keys]
        r debug set-active-expire 1
    }

    test {KEYS hides logically expired keys} {
        r flushall
        r debug set-active-expire 0
        r set gone v px 5
        r set stays v
        wait_for_condition 50 10 {[r pttl gone] == -2} else {fail "not expired"}
        assert_equal {stays} [r keys *]
        r debug set-active-expire 1
    }

    test {active expiry removes keys nobody reads} {
        r flushall
        for {set i 0} {$i < 5000} {incr i} {r set e:$i v px 20}
        r set keep v
        wait_for_condition 200 20 {[r dbsize] == 1} else {
            fail "active expiry left [r dbsize] keys"
        }
        assert_equal v [r get keep]
    }

    test {RENAME and MOVE keep the TTL} {
        r flushall
        r set k v ex 1000
        r rename k k2
        assert_range [r ttl k2] 990 1000
        r move k2 1
        r select 1
        assert_range [r ttl k2] 990 1000
        r flushdb
        r select 0
    }

    test {WATCH: another client's write aborts EXEC} {
        r flushall
        set other [redis_client]
        r watch w
        $other set w changed
        r multi
        r set w mine
        assert_equal {} [r exec]
        assert_equal changed [r get w]
        $other close
    }

    test {WATCH: FLUSHALL and SWAPDB abort EXEC, untouched keys do not} {
        r set w v
        r watch w
        r flushall
        r multi
        r ping
        assert_equal {} [r exec]
        r set w v
        r watch w
        r swapdb 0 1
        r multi
        r ping
        assert_equal {} [r exec]
        r swapdb 0 1
        r watch unrelated
        r set w other
        r multi
        r ping
        assert_equal PONG [r exec]
    }

    test {WATCH: a key that expires after WATCH aborts EXEC} {
        r flushall
        r debug set-active-expire 0
        r set w v px 20
        r watch w
        wait_for_condition 50 10 {[r pttl w] == -2} else {fail "not expired"}
        r multi
        r ping
        assert_equal {} [r exec]
        r debug set-active-expire 1
    }

    test {FLUSHALL ASYNC empties the keyspace at once} {
        r flushall
        r debug populate 20000
        assert_equal 20000 [r dbsize]
        r flushall async
        assert_equal 0 [r dbsize]
        r debug populate 10
        assert_equal 10 [r dbsize]
    }

    test {MULTI/EXEC: errors of queued commands come back in the array} {
        r flushall
        r set s notanumber
        r multi
        r incr s
        r set t 1
        # The client raises the first error found inside the array.
        assert_error {*not an integer*} {r exec}
        assert_equal 1 [r get t]
    }
}
