# Lazy freeing: UNLINK, FLUSHALL/FLUSHDB ASYNC and lazyfree-lazy-user-flush
# release memory off the main thread; INFO memory reports the pending and
# freed object counts (lazyfree_pending_objects / lazyfreed_objects).

proc lazyfree_settled {} {
    expr {[s lazyfree_pending_objects] == 0}
}

proc wait_lazyfree_done {} {
    wait_for_condition 200 10 {[lazyfree_settled]} else {
        fail "lazyfree_pending_objects stuck at [s lazyfree_pending_objects]"
    }
}

start_server {tags {lazyfree}} {
    test {INFO memory reports the lazyfree fields} {
        set info [r info memory]
        assert_match "*lazyfree_pending_objects:0\r\n*" $info
        assert_match "*lazyfreed_objects:*" $info
    }

    test {UNLINK removes keys at once and frees their memory} {
        r flushall
        set base [s used_memory]
        r debug populate 20000 u 200
        set full [s used_memory]
        assert_morethan $full [expr {$base + 20000 * 200}]
        set keys {}
        for {set i 0} {$i < 20000} {incr i} {lappend keys u:$i}
        assert_equal 20000 [r unlink {*}$keys nosuchkey]
        assert_equal 0 [r dbsize]
        wait_lazyfree_done
        wait_for_condition 100 10 {[s used_memory] < $base + 1000000} else {
            fail "memory not released: [s used_memory] (was $base before the keys)"
        }
        assert_equal 0 [r unlink u:1]
    }

    test {FLUSHALL ASYNC empties at once and frees in the background} {
        r flushall
        r config resetstat
        set base [s used_memory]
        r select 3
        r debug populate 30000 a 100
        r select 0
        r debug populate 20000 b 100
        assert_morethan [s used_memory] [expr {$base + 50000 * 100}]
        assert_equal OK [r flushall async]
        assert_equal 0 [r dbsize]
        # The server keeps serving while the old tables are released.
        r set after flush
        assert_equal flush [r get after]
        wait_lazyfree_done
        assert_equal 50000 [s lazyfreed_objects]
        assert_lessthan [s used_memory] [expr {$base + 1000000}]
    }

    test {FLUSHDB ASYNC frees only the selected database} {
        r flushall
        r config resetstat
        r select 5
        r debug populate 1000 k 10
        r select 0
        r debug populate 700 k 10
        assert_equal OK [r flushdb async]
        assert_equal 0 [r dbsize]
        r select 5
        assert_equal 1000 [r dbsize]
        r select 0
        wait_lazyfree_done
        assert_equal 700 [s lazyfreed_objects]
        r flushall
    }

    test {lazyfree-lazy-user-flush makes FLUSHALL and FLUSHDB async, SYNC overrides} {
        r flushall
        r config resetstat
        r config set lazyfree-lazy-user-flush no
        r debug populate 100
        r flushall
        assert_equal 0 [s lazyfreed_objects]

        r config set lazyfree-lazy-user-flush yes
        r debug populate 100
        r flushall
        assert_equal 0 [r dbsize]
        wait_lazyfree_done
        assert_equal 100 [s lazyfreed_objects]

        r debug populate 40
        r flushdb
        wait_lazyfree_done
        assert_equal 140 [s lazyfreed_objects]

        r debug populate 10
        r flushall sync
        r debug populate 10
        r flushdb sync
        assert_equal 140 [s lazyfreed_objects]
        r config set lazyfree-lazy-user-flush no
    }

    test {CONFIG RESETSTAT zeroes lazyfreed_objects} {
        r debug populate 10
        r flushall async
        wait_lazyfree_done
        assert_morethan [s lazyfreed_objects] 0
        r config resetstat
        assert_equal 0 [s lazyfreed_objects]
    }

    test {lazyfree-lazy-user-del: DEL still deletes and counts} {
        r flushall
        r config set lazyfree-lazy-user-del yes
        r mset a 1 b 2 c [string repeat x 100000]
        assert_equal 3 [r del a b c d]
        assert_equal 0 [r dbsize]
        r config set lazyfree-lazy-user-del no
    }

    test {emptied databases are immediately usable, expires included} {
        r flushall
        r debug populate 100
        for {set i 0} {$i < 100} {incr i} {r expire key:$i 1000}
        r flushall async
        assert_equal 0 [r dbsize]
        r set key:1 v ex 100
        assert_range [r ttl key:1] 90 100
        assert_match {*keys=1,expires=1*} [r info keyspace]
        wait_lazyfree_done
        assert_equal v [r get key:1]
    }
}

# The same sequence on stock and on our server gives the same counters.
start_server {tags {lazyfree} binary /usr/bin/redis-server} {
    start_server {tags {lazyfree}} {
        test {lazyfree counters match stock} {
            foreach level {0 -1} {
                r $level config resetstat
                r $level config set lazyfree-lazy-user-flush no
                r $level debug populate 500
                r $level flushall async
                r $level debug populate 300 x 10000
                r $level unlink x:1 x:2 nosuch
                r $level flushdb
                r $level config set lazyfree-lazy-user-flush yes
                r $level debug populate 50
                r $level flushdb
                r $level config set lazyfree-lazy-user-flush no
                wait_for_condition 200 10 {[s $level lazyfree_pending_objects] == 0} else {
                    fail "pending objects did not drain"
                }
                set counts($level) [list [s $level lazyfree_pending_objects] [s $level lazyfreed_objects]]
            }
            assert_equal $counts(-1) $counts(0)
        }
    }
}
