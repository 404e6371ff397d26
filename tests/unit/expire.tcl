# The EXPIRE family (src/db_cmds.c) and expiry itself (lazy in db.c, active
# in expire.c): setting, conditions, overflow, past times, what keeps or
# clears a TTL, and a differential block against stock redis-server 7.0.15.
# Static corpus cases live in tests/diff/expire.txt.
source [file join $::tests_root support diff.tcl]

# Write `n` keys prefix:0.. with a TTL of `px` ms in one pipelined burst
# (CLIENT REPLY OFF: nothing to read back but the final OK).
proc bulk_set_px {prefix n px} {
    set fd [diff_connect [srv host] [srv port]]
    set buf [diff_encode {client reply off}]
    for {set i 0} {$i < $n} {incr i} {
        append buf [diff_encode [list set $prefix:$i v px $px]]
    }
    append buf [diff_encode {client reply on}]
    puts -nonewline $fd $buf
    flush $fd
    set reply [diff_read_reply $fd]
    close $fd
    assert_equal "+OK\r\n" $reply
}

start_server {tags {expire}} {
    # First test of a fresh server: nothing has touched DEBUG
    # SET-ACTIVE-EXPIRE yet, active expiry must be on by default.
    test {Active expiry is on by default} {
        r set gone v px 10
        r set stays v
        wait_for_condition 100 10 {[r dbsize] == 1} else {
            fail "expired key never removed in the background"
        }
        assert_equal 1 [s expired_keys]
    }

    test {EXPIRE: the key lives until its TTL, then is gone} {
        r flushall
        r set k v
        assert_equal 1 [r expire k 1]
        assert_equal v [r get k]
        assert_range [r pttl k] 1 1000
        wait_for_condition 50 50 {[r exists k] == 0} else {
            fail "key did not expire"
        }
        assert_equal {} [r get k]
    }

    test {TTL and PTTL: -2 for a missing key, -1 without TTL} {
        r flushall
        r set k v
        assert_equal -1 [r ttl k]
        assert_equal -1 [r pttl k]
        assert_equal -2 [r ttl nokey]
        assert_equal -2 [r pttl nokey]
        assert_equal -1 [r expiretime k]
        assert_equal -2 [r pexpiretime nokey]
    }

    test {TTL rounds to the nearest second} {
        r flushall
        r set a v px 1400
        r set b v px 1700
        r set c v px 2700
        assert_equal 1 [r ttl a]
        assert_equal 2 [r ttl b]
        assert_equal 3 [r ttl c]
    }

    test {PEXPIRE, EXPIREAT and PEXPIREAT} {
        r flushall
        r set k v
        assert_equal 1 [r pexpire k 100000]
        assert_range [r pttl k] 99000 100000
        set at [expr {[clock seconds] + 1000}]
        assert_equal 1 [r expireat k $at]
        assert_equal $at [r expiretime k]
        assert_equal [expr {$at * 1000}] [r pexpiretime k]
        assert_range [r ttl k] 998 1000
        set pat [expr {[clock milliseconds] + 500000}]
        assert_equal 1 [r pexpireat k $pat]
        assert_equal $pat [r pexpiretime k]
    }

    test {EXPIRETIME rounds to the nearest second} {
        r flushall
        r set k v
        foreach {ms s} {4102444800000 4102444800 4102444800499 4102444800
                        4102444800500 4102444801 4102444800999 4102444801} {
            r pexpireat k $ms
            assert_equal $s [r expiretime k]
            assert_equal $ms [r pexpiretime k]
        }
    }

    test {A time in the past deletes the key (not counted as expired)} {
        r flushall
        set expired [s expired_keys]
        foreach cmd {{expire k 0} {expire k -10} {pexpire k -1} {expireat k 1}
                     {pexpireat k 1000} {expireat k -9223372036854775}
                     {pexpireat k -9223372036854775808}} {
            r set k v
            assert_equal 1 [r {*}$cmd]
            assert_equal 0 [r exists k]
        }
        assert_equal $expired [s expired_keys]
    }

    test {EXPIRE on a missing key is 0} {
        r flushall
        assert_equal 0 [r expire nokey 100]
        assert_equal 0 [r pexpireat nokey 1]
        assert_equal 0 [r exists nokey]
    }

    test {NX and XX} {
        r flushall
        r set k v
        assert_equal 0 [r expire k 100 xx]
        assert_equal -1 [r ttl k]
        assert_equal 1 [r expire k 100 nx]
        assert_equal 0 [r expire k 200 nx]
        assert_equal 100 [r ttl k]
        assert_equal 1 [r expire k 200 xx]
        assert_equal 200 [r ttl k]
    }

    test {GT and LT: a key without TTL counts as never expiring} {
        r flushall
        r set k v
        assert_equal 0 [r expire k 100 gt]
        assert_equal -1 [r ttl k]
        assert_equal 1 [r expire k 100 lt]
        assert_equal 100 [r ttl k]
        assert_equal 0 [r expire k 50 gt]
        assert_equal 1 [r expire k 500 gt]
        assert_equal 0 [r expire k 1000 lt]
        assert_equal 1 [r expire k 50 lt]
        assert_equal 50 [r ttl k]
        assert_equal 0 [r pexpire k 50000 lt]
        assert_equal 1 [r expire k 60 xx gt]
        assert_equal 0 [r expire k 30 xx gt]
        assert_equal 60 [r ttl k]
    }

    test {Conditions are checked before a past time deletes} {
        r flushall
        r set k v
        assert_equal 0 [r expire k -1 gt]
        assert_equal 0 [r expire k -1 xx]
        assert_equal 1 [r exists k]
        assert_equal 1 [r expire k -1 lt]
        assert_equal 0 [r exists k]
        r set k v
        assert_equal 1 [r expire k -1 nx]
        assert_equal 0 [r exists k]
        r set k v ex 100
        assert_equal 0 [r expire k -1 nx]
        assert_equal 1 [r expire k -1 xx]
        assert_equal 0 [r exists k]
    }

    test {Option errors come before value errors and the key lookup} {
        r flushall
        r set k v
        assert_error {ERR Unsupported option foo} {r expire k abc foo}
        assert_error {ERR Unsupported option FoO} {r expire nokey 10 nx FoO}
        assert_error {ERR NX and XX, GT or LT options at the same time are not compatible} {r expire k abc nx xx}
        assert_error {ERR NX and XX, GT or LT options at the same time are not compatible} {r expire k 10 gt lt nx}
        assert_error {ERR GT and LT options at the same time are not compatible} {r expire k 10 lt gt}
        assert_error {ERR value is not an integer or out of range} {r expire nokey abc}
        assert_error {ERR value is not an integer or out of range} {r pexpire k 1.5}
        assert_equal 1 [r expire k 10 NX NX]
        assert_equal 10 [r ttl k]
    }

    test {Overflowing times are refused with the command name} {
        r flushall
        r set k v
        assert_error {ERR invalid expire time in 'expire' command} {r expire k 9223372036854775}
        assert_error {ERR invalid expire time in 'expire' command} {r expire k 9223372036854774}
        assert_error {ERR invalid expire time in 'expire' command} {r expire k -9223372036854776}
        assert_error {ERR invalid expire time in 'expire' command} {r expire nokey 9223372036854775807}
        assert_error {ERR invalid expire time in 'pexpire' command} {r pexpire k 9223372036854775807}
        assert_error {ERR invalid expire time in 'pexpire' command} {r pexpire k 9223372036854775000}
        assert_error {ERR invalid expire time in 'expireat' command} {r expireat k -9223372036854775808}
        assert_equal -1 [r ttl k]
        # The largest representable instants are fine.
        assert_equal 1 [r expireat k 9223372036854775]
        assert_equal 9223372036854775000 [r pexpiretime k]
        assert_equal 1 [r pexpireat k 9223372036854775807]
        assert_equal 9223372036854775807 [r pexpiretime k]
        assert_equal 1 [r expire k 9223372036854]
    }

    test {PERSIST} {
        r flushall
        r set k v ex 100
        assert_equal 1 [r persist k]
        assert_equal -1 [r ttl k]
        assert_equal 0 [r persist k]
        assert_equal 0 [r persist nokey]
    }

    test {Writes that replace a value clear the TTL, others keep it} {
        r flushall
        r set k v ex 100
        r set k v2
        assert_equal -1 [r ttl k]
        r set k v ex 100
        r set k v3 keepttl
        assert_range [r ttl k] 99 100
        r append k x
        r setrange k 0 y
        assert_range [r ttl k] 99 100
        r set n 1 ex 100
        r incr n
        r incrbyfloat n 1.5
        assert_range [r ttl n] 99 100
        r getset n 5
        assert_equal -1 [r ttl n]
    }

    test {RENAME, MOVE and COPY carry the TTL} {
        r flushall
        r set k v px 100000
        r rename k k2
        assert_range [r pttl k2] 99000 100000
        r copy k2 k3
        assert_range [r pttl k3] 99000 100000
        r move k3 4
        r select 4
        assert_range [r pttl k3] 99000 100000
        r flushdb
        r select 0
    }

    test {Lazy expiry: an expired key counts in DBSIZE until touched} {
        r flushall
        r debug set-active-expire 0
        set before [s expired_keys]
        r set k v px 1
        r set k2 v px 1
        r set k3 v px 1
        after 5
        assert_equal 3 [r dbsize]
        assert_equal 0 [r exists k]
        assert_equal -2 [r ttl k2]
        # DEL of an expired key: removed by expiry, not by DEL.
        assert_equal 0 [r del k3]
        assert_equal 0 [r dbsize]
        assert_equal [expr {$before + 3}] [s expired_keys]
        r debug set-active-expire 1
    }

    test {Lazy expiry: TYPE, TOUCH, RENAME, MOVE and COPY ignore expired keys} {
        r flushall
        r debug set-active-expire 0
        foreach k {t u r m c} {r set $k v px 1}
        r set dest v px 1
        after 5
        assert_equal none [r type t]
        assert_equal 0 [r touch u]
        assert_error {ERR no such key} {r rename r x}
        assert_equal 0 [r move m 1]
        assert_equal 0 [r copy c x]
        # An expired destination does not block COPY or RENAMENX.
        r set src v
        assert_equal 1 [r copy src dest]
        assert_equal -1 [r ttl dest]
        r debug set-active-expire 1
    }

    test {Active expiry deletes expired keys nobody reads} {
        r flushall
        for {set i 0} {$i < 1000} {incr i} {r set vol:$i v px 50}
        for {set i 0} {$i < 100} {incr i} {r set long:$i v ex 1000}
        r set plain v
        wait_for_condition 100 50 {[r dbsize] == 101} else {
            fail "active expiry left [r dbsize] keys"
        }
        assert_equal v [r get plain]
        assert_range [r ttl long:0] 990 1000
    }

    test {Active expiry removes 10000 keys nobody reads} {
        r flushall
        set before [s expired_keys]
        bulk_set_px vol 10000 20
        r set plain v
        wait_for_condition 200 20 {[r dbsize] == 1} else {
            fail "active expiry left [r dbsize] keys"
        }
        assert_equal [expr {$before + 10000}] [s expired_keys]
        assert_equal v [r get plain]
    }

    test {The active expiry cycle is bounded: the server stays responsive} {
        r flushall
        r debug set-active-expire 0
        bulk_set_px many 100000 1
        r set plain v
        after 5
        assert_equal 100001 [r dbsize]
        r debug set-active-expire 1
        # Every 100000 keys is expired now: deleting them all in one go
        # would stall the server, the cycle spreads the work instead.
        set worst 0
        set pings 0
        while {[r dbsize] > 1} {
            set t0 [clock microseconds]
            r ping
            set dt [expr {[clock microseconds] - $t0}]
            if {$dt > $worst} {set worst $dt}
            if {[incr pings] > 20000} {fail "active expiry did not finish"}
        }
        assert_equal v [r get plain]
        assert_lessthan $worst 200000
    }

    test {DEBUG SET-ACTIVE-EXPIRE 0 stops active expiry} {
        r flushall
        r debug set-active-expire 0
        for {set i 0} {$i < 100} {incr i} {r set vol:$i v px 10}
        after 300
        assert_equal 100 [r dbsize]
        r debug set-active-expire 1
        wait_for_condition 100 50 {[r dbsize] == 0} else {
            fail "active expiry did not resume"
        }
    }

    test {PEXPIRE precision: the key lives exactly as long as asked} {
        r flushall
        r debug set-active-expire 0
        r set k v
        set t0 [clock milliseconds]
        r pexpire k 150
        assert_range [r pttl k] 100 150
        while {[r exists k]} {
            if {[clock milliseconds] - $t0 > 5000} {fail "key never expired"}
            after 1
        }
        set lived [expr {[clock milliseconds] - $t0}]
        # Never early; late only by the polling granularity.
        assert_morethan_equal $lived 150
        assert_lessthan $lived 1000
        r debug set-active-expire 1
    }

    test {Time is frozen inside EXEC: a key expiring mid-transaction stays visible} {
        r flushall
        r multi
        r set k v px 50
        r debug sleep 0.1
        r get k
        r exists k
        r ttl k
        set res [r exec]
        assert_equal {OK OK v 1 0} $res
        # After EXEC the real clock applies again.
        assert_equal 0 [r exists k]
    }

    test {TTL inside MULTI reports the real time left} {
        r flushall
        r set k v px 100000
        r multi
        r pttl k
        r ttl k
        set res [r exec]
        assert_range [lindex $res 0] 99000 100000
        assert_range [lindex $res 1] 99 100
    }

    test {EXPIRE inside MULTI} {
        r flushall
        r set k v
        r multi
        r expire k 100
        r ttl k
        r expire k -1
        r exists k
        assert_equal {1 100 1 0} [r exec]
    }
}

# ---------------------------------------------------------------------------
# Differential: expire commands against stock, raw replies byte for byte.
# Only replies that do not depend on sub-second timing.
# ---------------------------------------------------------------------------

proc expire_diff {ours stock cmds} {
    set bad {}
    foreach cmd $cmds {
        set a [diff_send $ours $cmd]
        set b [diff_send $stock $cmd]
        if {$a ne $b} {
            lappend bad "$cmd\n    ours:  [string map {\r\n \\r\\n} $a]\n    stock: [string map {\r\n \\r\\n} $b]"
        }
    }
    return $bad
}

start_server {tags {expire differential}} {
    start_server {tags {expire differential} binary /usr/bin/redis-server} {
        test {differential: EXPIRE family vs stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            set cmds {
                {flushall} {set m v}
                {expire} {expire m} {pexpire m} {expireat m} {pexpireat m}
                {ttl} {pttl} {ttl m extra} {expiretime} {pexpiretime m x} {persist} {persist m x}
                {expire m abc foo} {expire nokey abc} {expire nokey 10 foo}
                {expire m 10 nx xx foo} {expire m 10 foo nx xx} {expire m 10 nx xx gt}
                {expire m 10 FoO} {expire m 10 nx FoO} {expire nokey 10 nx xx}
                {pexpireat nokey abc} {expire m abc nx xx} {expire m 10 gt lt nx}
                {expire m 10 lt gt} {expire m 10 GT LT} {pexpire m abc} {expire m ""}
                {expire m " 10"} {expire m 10.0} {expire m 0x10} {expire m +10}
                {ttl m} {pttl m} {expiretime m} {pexpiretime m}
                {expire m 9223372036854775} {expire m 9223372036854774}
                {expire m -9223372036854776} {expire m -9223372036854775807}
                {expire nokey 9223372036854775807} {pexpire m 9223372036854775807}
                {pexpire m 9223372036854775000} {expireat m -9223372036854775808}
                {expireat m 9223372036854776} {pexpireat m 9223372036854775808}
                {expire m 100 xx} {expire m 100 gt} {expire m 100 lt} {ttl m}
                {expire m 100 nx} {expire m 200 gt} {ttl m} {expire m 50 gt}
                {expire m 10 lt} {ttl m} {expire m 20 XX LT} {expire m 5 xx lt} {ttl m}
                {expire m 1000 NX} {persist m} {persist m} {ttl m}
                {expireat m 9223372036854775} {pexpiretime m} {expiretime m}
                {pexpireat m 9223372036854775807} {expiretime m} {persist m}
                {pexpireat m 9223372036854775499} {expiretime m}
                {pexpireat m 9223372036854775500} {expiretime m} {persist m}
                {pexpireat m 4102444800499} {expiretime m} {pexpireat m 4102444800500} {expiretime m}
                {expire m -1 gt} {exists m} {expire m -1 xx} {exists m}
                {expire m -1 lt} {exists m}
                {set m v} {expire m -1 nx} {exists m}
                {set m v} {expire m -9223372036854775} {exists m}
                {set m v} {pexpire m -9223372036854775808} {exists m}
                {set m v} {expireat m 0} {exists m}
                {set m v} {pexpireat m -1} {exists m}
                {set m v} {expire m 0 gt} {exists m}
                {set m v ex 100} {ttl m} {set m v keepttl} {ttl m} {set m v} {ttl m}
                {set m v px 100000} {ttl m} {getex m persist} {ttl m}
                {set m v exat 4102444800} {expiretime m} {rename m m2} {expiretime m2}
                {copy m2 m3} {expiretime m3} {move m3 1} {select 1} {expiretime m3} {select 0}
                {ttl nokey} {pttl nokey} {expiretime nokey} {pexpiretime nokey} {persist nokey}
            }
            set bad [expire_diff $ours $stock $cmds]
            close $ours
            close $stock
            if {[llength $bad]} {fail "[llength $bad] mismatches:\n[join $bad \n]"}
        }
    }
}
