# SET type (src/t_set.c, src/intset.c): behaviour of the random commands,
# big hashtable sets, encodings, SSCAN, COPY, keyspace events. Reply-exact
# comparisons with stock live in tests/diff/set.txt.
source [file join $::tests_root support diff.tcl]

start_server {tags {set}} {
    proc lsorted {l} { lsort $l }

    test {SADD builds an intset, a non integer converts it} {
        r del s
        assert_equal [r sadd s 3 1 2] 3
        assert_encoding intset s
        assert_equal [r smembers s] {1 2 3}
        assert_equal [r sadd s x] 1
        assert_encoding hashtable s
        assert_equal [lsorted [r smembers s]] {1 2 3 x}
    }

    test {Intset grows past set-max-intset-entries into a hashtable} {
        r config set set-max-intset-entries 128
        r del s
        for {set i 0} {$i < 128} {incr i} { r sadd s $i }
        assert_encoding intset s
        r sadd s 128
        assert_encoding hashtable s
        assert_equal [r scard s] 129
        for {set i 0} {$i <= 128} {incr i} { assert_equal [r sismember s $i] 1 }
        r config set set-max-intset-entries 512
    }

    test {Intset width upgrades keep every member} {
        r del s
        r sadd s 1 -1 70000 -5000000000 5000000000
        assert_encoding intset s
        assert_equal [r smembers s] {-5000000000 -1 1 70000 5000000000}
    }

    foreach enc {intset hashtable} {
        test "SPOP with count returns distinct members and removes them ($enc)" {
            r del s
            set all {}
            for {set i 0} {$i < 200} {incr i} {
                set m [expr {$enc eq "intset" ? $i : "m$i"}]
                lappend all $m
            }
            if {$enc eq "intset"} {r config set set-max-intset-entries 1000}
            r sadd s {*}$all
            assert_encoding $enc s
            # 10 of 200: victims are picked; 190 of the rest: survivors are.
            set popped [r spop s 10]
            assert_equal [llength [lsort -unique $popped]] 10
            assert_equal [r scard s] 190
            foreach m $popped { assert_equal [r sismember s $m] 0 }
            set popped2 [r spop s 185]
            assert_equal [llength [lsort -unique $popped2]] 185
            assert_equal [r scard s] 5
            set rest [r smembers s]
            assert_equal [lsort [concat $popped $popped2 $rest]] [lsort $all]
            assert_equal [llength [r spop s 100]] 5
            assert_equal [r exists s] 0
            r config set set-max-intset-entries 512
        }

        test "SRANDMEMBER with count ($enc)" {
            r del s
            set all {}
            for {set i 0} {$i < 50} {incr i} {
                lappend all [expr {$enc eq "intset" ? $i : "m$i"}]
            }
            r sadd s {*}$all
            assert_encoding $enc s
            # Positive counts: distinct members, both strategies.
            foreach count {1 5 20 40 49 50 100} {
                set res [r srandmember s $count]
                set want [expr {$count > 50 ? 50 : $count}]
                assert_equal [llength $res] $want
                assert_equal [llength [lsort -unique $res]] $want
                foreach m $res { assert {[lsearch -exact $all $m] >= 0} }
            }
            # A negative count may repeat: 1000 draws of 50 members do.
            set res [r srandmember s -1000]
            assert_equal [llength $res] 1000
            assert {[llength [lsort -unique $res]] < 1000}
            foreach m $res { assert {[lsearch -exact $all $m] >= 0} }
            assert_equal [r scard s] 50
        }
    }

    test {SRANDMEMBER and SPOP cover the whole set over many calls} {
        r del s
        r sadd s a b c d e
        set seen {}
        for {set i 0} {$i < 200} {incr i} { dict set seen [r srandmember s] 1 }
        assert_equal [lsort [dict keys $seen]] {a b c d e}
        set popped {}
        for {set i 0} {$i < 5} {incr i} { lappend popped [r spop s] }
        assert_equal [lsort $popped] {a b c d e}
        assert_equal [r exists s] 0
    }

    test {SINTER/SUNION/SDIFF of big hashtable sets} {
        r del a b c
        set la {}; set lb {}
        for {set i 0} {$i < 1000} {incr i} {
            lappend la "x$i"
            if {$i % 3 == 0} {lappend lb "x$i"}
        }
        lappend lb extra
        r sadd a {*}$la
        r sadd b {*}$lb
        set inter [lsort [r sinter a b]]
        assert_equal [llength $inter] 334
        assert_equal [r sintercard 2 a b] 334
        assert_equal [r sintercard 2 a b limit 10] 10
        assert_equal [llength [r sunion a b]] 1001
        assert_equal [llength [r sdiff a b]] 666
        assert_equal [llength [r sdiff b a]] 1
        assert_equal [r sdiff b a] extra
        assert_equal [r sinterstore c a b] 334
        assert_equal [lsort [r smembers c]] $inter
        assert_equal [r sdiffstore c a b c] 666
        assert_equal [r sunionstore c a b] 1001
    }

    test {SSCAN walks a big hashtable set completely} {
        r del s
        for {set i 0} {$i < 1000} {incr i} { lappend members "m$i" }
        r sadd s {*}$members
        set cursor 0
        set found {}
        while 1 {
            lassign [r sscan s $cursor count 17] cursor batch
            lappend found {*}$batch
            if {$cursor == 0} break
        }
        assert_equal [lsort -unique $found] [lsort $members]
        lassign [r sscan s 0 match m99* count 10000] cursor batch
        assert_equal $cursor 0
        assert_equal [lsort $batch] {m99 m990 m991 m992 m993 m994 m995 m996 m997 m998 m999}
    }

    test {COPY of a set is independent and has the same digest} {
        r del s t
        r sadd s a b c 1 2
        r copy s t
        assert_equal [r debug digest-value s] [r debug digest-value t]
        r sadd t d
        r srem s a
        assert_equal [lsort [r smembers s]] {1 2 b c}
        assert_equal [lsort [r smembers t]] {1 2 a b c d}
        r del i j
        r sadd i 1 2 3
        r copy i j
        assert_encoding intset j
        r sadd j 4
        assert_equal [r smembers i] {1 2 3}
    }

    test {DEBUG DIGEST does not depend on encoding or insertion order} {
        r del a b
        r sadd a 1 2 3
        r sadd b 3 2 1 x
        r srem b x
        assert_encoding intset a
        assert_encoding hashtable b
        assert_equal [r debug digest-value a] [r debug digest-value b]
    }

    test {UNLINK of a big set frees it in the background} {
        r del s
        for {set i 0} {$i < 200} {incr i} { lappend m "e$i" }
        r sadd s {*}$m
        r config resetstat
        r unlink s
        wait_for_condition 50 20 {[s lazyfreed_objects] == 1} else {
            fail "the set was not freed lazily"
        }
    }

    test {Set commands signal WATCH} {
        r del s
        r sadd s 1
        set rd [redis_client]
        $rd watch s
        r sadd s 2
        $rd multi
        $rd ping
        assert_equal [$rd exec] {}
        $rd watch s
        r sadd s 2  ;# no change: no signal
        $rd multi
        $rd ping
        assert_equal [$rd exec] PONG
        $rd close
    }

    test {SMOVE and SPOP on a key with a TTL} {
        r del s d
        r sadd s 1 2
        r expire s 100
        r smove s d 1
        assert_range [r ttl s] 1 100
        assert_equal [r ttl d] -1
    }

    test {SINTERSTORE/SUNIONSTORE replace any value and clear the TTL} {
        r del d a
        r sadd a 1 2
        r set d str
        r expire d 100
        assert_equal [r sunionstore d a] 2
        assert_equal [r type d] set
        assert_equal [r ttl d] -1
    }

    # Randomized differential check: the same commands against stock. Small
    # member spaces keep sets intersecting; hashtable replies are compared
    # as sorted lists, everything else byte for byte.
    start_server {tags {set differential} binary /usr/bin/redis-server} {
        test {Random set commands agree with stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            set ours_r [redis [srv -1 host] [srv -1 port]]
            set stock_r [redis [srv 0 host] [srv 0 port]]
            set mismatches {}
            foreach fd [list $ours $stock] {
                diff_send $fd {flushall}
                diff_send $fd {config set set-max-intset-entries 8}
            }
            set keys {k1 k2 k3 k4}
            proc rmember {} {
                if {[randomInt 3] == 0} { return "m[randomInt 6]" }
                return [expr {[randomInt 20] - 5}]
            }
            for {set i 0} {$i < 500} {incr i} {
                set k [lindex $keys [randomInt 4]]
                set k2 [lindex $keys [randomInt 4]]
                set k3 [lindex $keys [randomInt 4]]
                switch [randomInt 12] {
                    0 - 1 - 2 { set cmd [list sadd $k [rmember] [rmember] [rmember]] }
                    3 { set cmd [list srem $k [rmember] [rmember]] }
                    4 { set cmd [list smove $k $k2 [rmember]] }
                    5 { set cmd [list sinterstore $k $k2 $k3] }
                    6 { set cmd [list sunionstore $k $k2 $k3] }
                    7 { set cmd [list sdiffstore $k $k2 $k3] }
                    8 { set cmd [list sintercard 2 $k $k2] }
                    9 { set cmd [list smismember $k [rmember] [rmember]] }
                    10 { set cmd [list object encoding $k] }
                    11 { set cmd [list scard $k] }
                }
                set r1 [diff_send $ours $cmd]
                set r2 [diff_send $stock $cmd]
                if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                foreach q [list [list smembers $k] [list sunion $k $k2] [list sdiff $k $k2] [list sinter $k $k2]] {
                    set a [lsort [$ours_r {*}$q]]
                    set b [lsort [$stock_r {*}$q]]
                    if {$a ne $b} { lappend mismatches [list $q $a $b] }
                }
            }
            close $ours
            close $stock
            $ours_r close
            $stock_r close
            assert_equal {} [lrange $mismatches 0 4]
        }
    }
}
