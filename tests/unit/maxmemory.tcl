# maxmemory and eviction: every policy keeps memory near the limit, the
# volatile-* ones only evict keys with a TTL, noeviction refuses writes with
# Redis's exact OOM error, and LRU/LFU prefer the right victims.

proc used_memory {} {
    return [s used_memory]
}

# Set maxmemory to `extra` bytes above what is used now.
proc limit_above_current {extra} {
    set limit [expr {[used_memory] + $extra}]
    r config set maxmemory $limit
    return $limit
}

# Write `n` keys of ~`size` bytes, with a TTL when `volatile`, ignoring OOM
# errors; returns how many writes were refused.
proc fill_keys {prefix n size volatile} {
    set refused 0
    set value [string repeat x $size]
    for {set i 0} {$i < $n} {incr i} {
        if {$volatile} {
            if {[catch {r set $prefix$i $value ex 10000}]} {incr refused}
        } else {
            if {[catch {r set $prefix$i $value}]} {incr refused}
        }
    }
    return $refused
}

start_server {tags {maxmemory}} {
    foreach policy {allkeys-lru allkeys-lfu allkeys-random volatile-lru volatile-lfu volatile-random volatile-ttl} {
        test "maxmemory-policy $policy keeps used memory near the limit" {
            r flushall
            r config set maxmemory 0
            r config set maxmemory-policy $policy
            set limit [limit_above_current 200000]
            set before [s evicted_keys]
            fill_keys key 2000 500 1
            assert_lessthan [used_memory] [expr {$limit + 100000}]
            assert_morethan [s evicted_keys] $before
            r config set maxmemory 0
        }
    }

    test {volatile policies never evict keys without a TTL} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy volatile-lru
        fill_keys persistent 200 500 0
        set limit [limit_above_current 100000]
        fill_keys vol 2000 500 1
        set kept 0
        for {set i 0} {$i < 200} {incr i} {
            if {[r exists persistent$i]} {incr kept}
        }
        assert_equal 200 $kept
        r config set maxmemory 0
    }

    test {volatile policy with no volatile keys refuses writes with OOM} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy volatile-lru
        fill_keys p 200 500 0
        limit_above_current -50000
        assert_error {OOM command not allowed when used memory > 'maxmemory'.} {r set another value}
        r config set maxmemory 0
    }

    test {noeviction: exact OOM error for writes, reads and DEL still work} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        fill_keys n 100 500 0
        limit_above_current -20000
        set fd [socket [srv 0 host] [srv 0 port]]
        fconfigure $fd -translation binary -buffering none
        puts -nonewline $fd "*3\r\n\$3\r\nSET\r\n\$1\r\nx\r\n\$1\r\ny\r\n"
        flush $fd
        assert_equal "-OOM command not allowed when used memory > 'maxmemory'.\r" [gets $fd]
        close $fd
        assert_equal [string repeat x 500] [r get n1]
        assert_equal 1 [r del n1]
        # Nothing is ever evicted, and memory only grows by what we allow.
        set evicted [s evicted_keys]
        foreach cmd {{set x y} {append n2 z} {incr cnt} {mset a 1 b 2}} {
            assert_error {OOM command not allowed*} {r {*}$cmd}
        }
        assert_equal $evicted [s evicted_keys]
        assert_equal 99 [r dbsize]
        r config set maxmemory 0
    }

    test {allkeys-lru keeps recently used keys} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-lru
        r config set maxmemory-samples 10
        fill_keys old 1000 500 0
        r debug set-active-expire 1
        # Let the LRU clock (1s resolution) move so "old" really is older.
        wait_for_condition 40 50 {[r object idletime old0] >= 1} else {fail "idle time did not grow"}
        for {set i 0} {$i < 500} {incr i} {r get old$i}
        limit_above_current 50000
        fill_keys new 1000 500 0
        set touched 0
        set untouched 0
        for {set i 0} {$i < 500} {incr i} {if {[r exists old$i]} {incr touched}}
        for {set i 500} {$i < 1000} {incr i} {if {[r exists old$i]} {incr untouched}}
        assert_morethan $touched $untouched
        r config set maxmemory 0
        r config set maxmemory-samples 5
    }

    test {allkeys-lfu keeps frequently used keys} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-lfu
        fill_keys f 500 500 0
        for {set round 0} {$round < 10} {incr round} {
            for {set i 0} {$i < 100} {incr i} {r get f$i}
        }
        assert_morethan [r object freq f1] [r object freq f400]
        limit_above_current 20000
        fill_keys g 1000 500 0
        set hot 0
        for {set i 0} {$i < 100} {incr i} {if {[r exists f$i]} {incr hot}}
        assert_morethan $hot 80
        r config set maxmemory 0
    }

    test {volatile-ttl evicts the keys closest to expiring first} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy volatile-ttl
        set value [string repeat x 500]
        for {set i 0} {$i < 300} {incr i} {r set soon$i $value ex 1000}
        for {set i 0} {$i < 300} {incr i} {r set late$i $value ex 100000}
        limit_above_current -100000
        r set trigger x ex 50000
        set soon 0
        set late 0
        for {set i 0} {$i < 300} {incr i} {
            if {[r exists soon$i]} {incr soon}
            if {[r exists late$i]} {incr late}
        }
        assert_morethan $late $soon
        r config set maxmemory 0
    }

    test {OBJECT FREQ and IDLETIME follow the policy, with Redis's errors} {
        r set obj v
        r config set maxmemory-policy allkeys-lru
        assert_error {*An LFU maxmemory policy is not selected*} {r object freq obj}
        r config set maxmemory-policy allkeys-lfu
        assert_error {*An LFU maxmemory policy is selected, idle time not tracked*} {r object idletime obj}
        assert_range [r object freq obj] 0 255
        r config set maxmemory-policy noeviction
    }

    test {OBJECT IDLETIME grows while untouched and resets on access (LRU)} {
        r config set maxmemory-policy allkeys-lru
        r set idle v
        assert_range [r object idletime idle] 0 1
        wait_for_condition 50 50 {[r object idletime idle] >= 1} else {
            fail "idle time stays at [r object idletime idle]"
        }
        # OBJECT itself is not an access; GET is.
        assert_morethan_equal [r object idletime idle] 1
        r get idle
        assert_equal 0 [r object idletime idle]
        r config set maxmemory-policy noeviction
    }

    test {OBJECT FREQ starts at 5 and grows with accesses (LFU)} {
        r config set maxmemory-policy allkeys-lfu
        r del hot
        r set hot v
        assert_equal 5 [r object freq hot]
        # OBJECT FREQ is not an access.
        assert_equal 5 [r object freq hot]
        for {set i 0} {$i < 300} {incr i} {r get hot}
        assert_morethan [r object freq hot] 5
        r config set maxmemory-policy noeviction
    }

    test {lowering maxmemory keeps evicting in the background (tenacity 0)} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-random
        r config set maxmemory-eviction-tenacity 0
        r debug populate 20000 bg 500
        set limit [limit_above_current -4000000]
        # A single call may only run for ~50us; the timer must do the rest
        # without further commands arriving.
        after 500
        assert_lessthan [used_memory] [expr {$limit + 50000}]
        assert_lessthan [r dbsize] 15000
        r config set maxmemory-eviction-tenacity 10
        r config set maxmemory 0
    }

    test {evictions emit the evicted keyspace event and count in INFO} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-lru
        r config set notify-keyspace-events Ee
        set rd [redis_deferring_client]
        $rd psubscribe __keyevent@*__:evicted
        $rd read
        fill_keys e 100 500 0
        set before [s evicted_keys]
        limit_above_current -10000
        r set one-more x
        set msg [$rd read]
        assert_equal pmessage [lindex $msg 0]
        assert_equal {__keyevent@0__:evicted} [lindex $msg 2]
        assert_match {e*} [lindex $msg 3]
        $rd close
        assert_morethan [s evicted_keys] $before
        r config set notify-keyspace-events ""
        r config set maxmemory 0
    }

    test {time over the limit is tracked in INFO (eviction_exceeded_time)} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        fill_keys t 100 500 0
        set total_before [s total_eviction_exceeded_time]
        limit_above_current -20000
        after 120
        assert_morethan [s current_eviction_exceeded_time] 99
        # As in stock, only a check against a limit we fit in closes the
        # period (maxmemory 0 skips the check altogether).
        limit_above_current 10000000
        assert_equal 0 [s current_eviction_exceeded_time]
        assert_morethan [s total_eviction_exceeded_time] [expr {$total_before + 99}]
    }

    test {lazyfree-lazy-eviction evicts too} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-lru
        r config set lazyfree-lazy-eviction yes
        set limit [limit_above_current 100000]
        fill_keys z 1000 500 0
        wait_for_condition 50 10 {[used_memory] < $limit + 50000} else {fail "over the limit"}
        assert_lessthan [r dbsize] 1000
        r config set lazyfree-lazy-eviction no
        r config set maxmemory 0
    }

    test {allkeys-random evicts from every database} {
        r flushall
        r config set maxmemory 0
        r config set maxmemory-policy allkeys-random
        r select 1
        fill_keys a 300 500 0
        r select 9
        fill_keys b 300 500 0
        limit_above_current -150000
        r set c x
        r select 1
        set in1 [r dbsize]
        r select 9
        assert_lessthan $in1 300
        assert_lessthan [r dbsize] 300
        r select 0
        r flushall
        r config set maxmemory 0
    }

    test {LFU counter: lfu-log-factor 0 counts every access} {
        r flushall
        r config set maxmemory-policy allkeys-lfu
        r config set lfu-log-factor 0
        r set hits v
        assert_equal 5 [r object freq hits]
        for {set i 0} {$i < 100} {incr i} {r get hits}
        assert_equal 105 [r object freq hits]
        r config set lfu-log-factor 10
        r set slow v
        for {set i 0} {$i < 1000} {incr i} {r get slow}
        # Logarithmic: ~20 after 1000 hits with the default factor.
        assert_range [r object freq slow] 12 30
        r config set maxmemory-policy noeviction
    }
}

# Over maxmemory, a transaction behaves as in stock: commands sent inside
# MULTI are refused with OOM (so EXEC aborts), and an EXEC holding a
# memory-growing command queued earlier is aborted.
start_server {tags {maxmemory} binary /usr/bin/redis-server} {
    start_server {tags {maxmemory}} {
        test {OOM inside MULTI and at EXEC matches stock} {
            foreach level {0 -1} {
                set c [redis_client $level]
                $c config set maxmemory-policy noeviction
                $c multi
                $c set queued before
                r $level config set maxmemory 1
                set results($level) {}
                lappend results($level) [catch {$c exec} e] $e
                $c multi
                lappend results($level) [catch {$c get x} e] $e
                lappend results($level) [catch {$c exec} e] $e
                r $level config set maxmemory 0
                $c close
            }
            assert_equal $results(-1) $results(0)
        }

        test {OOM and OBJECT FREQ/IDLETIME replies match stock byte for byte} {
            foreach level {0 -1} {
                set c [redis_client $level]
                set out {}
                $c flushall
                $c config set maxmemory-policy noeviction
                $c debug populate 20
                $c config set maxmemory 1
                # Writes that may grow memory are refused; reads, DEL and
                # other non-denyoom commands are served.
                foreach cmd {
                    {set k v} {append key:1 x} {incr counter} {setnx k v}
                    {mset a 1 b 2} {setex k 10 v} {get key:1} {exists key:2}
                    {del key:3} {dbsize} {expire key:4 100} {ttl key:4}
                    {object freq key:5} {object idletime nosuchkey}
                } {
                    lappend out [list [catch {$c {*}$cmd} e] $e]
                }
                # Evicting every key still leaves us over the limit: the
                # write that triggered it is refused too.
                $c config set maxmemory-policy allkeys-lru
                lappend out [list [catch {$c set after-evicting-all v} e] $e]
                lappend out [$c dbsize]
                $c config set maxmemory 0
                lappend out [$c set k v]
                $c config set maxmemory-policy allkeys-lfu
                lappend out [list [catch {$c object idletime k} e] $e]
                lappend out [$c object freq nosuchkey]
                $c set fresh v
                lappend out [$c object freq fresh]
                $c config set maxmemory-policy volatile-lru
                lappend out [list [catch {$c object freq k} e] $e]
                lappend out [list [catch {$c object idletime nosuchkey} e] $e]
                $c config set maxmemory-policy noeviction
                $c close
                set results($level) $out
            }
            assert_equal $results(-1) $results(0)
            assert_equal {1 {OOM command not allowed when used memory > 'maxmemory'.}} [lindex $results(0) 0]
        }
    }
}
