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
}
