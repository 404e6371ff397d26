# Sorted set commands (src/t_zset.c, zset_skiplist.c, zset_setops.c):
# encodings and conversions, big sets, and randomized differential checks
# against stock redis-server 7.0.15 on both encodings (sorted set replies
# are fully ordered, so every range reply is comparable). Static
# reply-by-reply comparisons live in tests/diff/zset*.txt.
source [file join $::tests_root support diff.tcl]

start_server {tags {zset}} {
    test {ZADD creates a listpack set, converts on entries} {
        r config set zset-max-listpack-entries 4
        r del z
        r zadd z 1 a 2 b 3 c 4 d
        assert_encoding listpack z
        r zadd z 5 e
        assert_encoding skiplist z
        assert_equal [r zrange z 0 -1] {a b c d e}
        r config set zset-max-listpack-entries 128
    }

    test {ZADD converts on a long member, also on the first insert} {
        r config set zset-max-listpack-value 8
        r del z z2
        r zadd z 1 short
        assert_encoding listpack z
        r zadd z 2 [string repeat x 9]
        assert_encoding skiplist z
        r zadd z2 1 [string repeat y 9]
        assert_encoding skiplist z2
        r config set zset-max-listpack-value 64
    }

    test {zset-max-listpack-entries 0 creates skiplists} {
        r config set zset-max-listpack-entries 0
        r del z
        r zadd z 1 a
        assert_encoding skiplist z
        r zincrby z3 1 a
        assert_encoding skiplist z3
        r config set zset-max-listpack-entries 128
    }

    test {STORE results go back to listpack when small} {
        r config set zset-max-listpack-entries 0
        r del a b
        r zadd a 1 x 2 y
        r zadd b 3 y
        r config set zset-max-listpack-entries 128
        assert_encoding skiplist a
        r zunionstore u 2 a b
        assert_encoding listpack u
        assert_equal [r zrange u 0 -1 withscores] {x 1 y 5}
        r zrangestore rs a 0 -1
        assert_encoding listpack rs
    }

    test {COPY keeps members, scores and the encoding} {
        r del src
        r zadd src 1 a 2 b
        r copy src dst1
        assert_encoding listpack dst1
        r zadd src 3 c
        assert_equal [r zrange dst1 0 -1 withscores] {a 1 b 2}
        r config set zset-max-listpack-entries 0
        r del big
        for {set i 0} {$i < 50} {incr i} { r zadd big $i m$i }
        r config set zset-max-listpack-entries 128
        r copy big bigcopy
        assert_encoding skiplist bigcopy
        assert_equal [r zrange big 0 -1 withscores] [r zrange bigcopy 0 -1 withscores]
        assert_equal [r debug digest-value big] [r debug digest-value bigcopy]
        r zrem big m0
        assert_equal [r zcard bigcopy] 50
    }

    test {Big member values round-trip} {
        r del z
        set big [string repeat "abc\x00" 50000]
        r zadd z 1 $big 2 small
        assert_encoding skiplist z
        assert_equal [r zscore z $big] 1
        assert_equal [lindex [r zrange z 0 0] 0] $big
        assert_equal [r zrank z $big] 0
        assert_equal [r zrem z $big] 1
    }

    test {ZSCAN of a skiplist visits every member once} {
        r config set zset-max-listpack-entries 0
        r del z
        for {set i 0} {$i < 500} {incr i} { r zadd z $i m$i }
        r config set zset-max-listpack-entries 128
        set cursor 0
        array set seen {}
        while 1 {
            lassign [r zscan z $cursor count 37] cursor items
            foreach {m s} $items { set seen($m) $s }
            if {$cursor == 0} break
        }
        assert_equal [array size seen] 500
        assert_equal $seen(m42) 42
    }

    test {ZRANDMEMBER with a positive count gives distinct members} {
        # z is the 500 member skiplist of the ZSCAN test.
        foreach n {5 100 400 500 900} {
            set got [r zrandmember z $n]
            set want [expr {$n > 500 ? 500 : $n}]
            assert_equal [llength [lsort -unique $got]] $want
        }
        set pairs [r zrandmember z 20 withscores]
        foreach {m s} $pairs { assert_equal [r zscore z $m] $s }
        assert_equal [llength [r zrandmember z -1000]] 1000
    }

    test {Popping the last member deletes the key} {
        r del z
        r zadd z 1 a
        r zpopmin z
        assert_equal [r exists z] 0
        r zadd z 1 a 2 b
        r zmpop 1 z max count 5
        assert_equal [r exists z] 0
    }

    test {WATCH sees ZADD and ZREM} {
        r del z
        r zadd z 1 a
        r watch z
        r zadd z 2 b
        r multi
        r ping
        assert_equal [r exec] {}
        r watch z
        r zrem z nosuch
        r multi
        r ping
        assert_equal [r exec] {PONG}
    }

    start_server {tags {zset differential} binary /usr/bin/redis-server} {
        # Random operations on both encodings; every reply is compared.
        foreach {enc entries} {listpack 128 skiplist 0} {
            test "Random sorted set commands reply as stock ($enc)" {
                set ours [diff_connect [srv -1 host] [srv -1 port]]
                set stock [diff_connect [srv 0 host] [srv 0 port]]
                foreach fd [list $ours $stock] {
                    diff_send $fd {flushall}
                    diff_send $fd [list config set zset-max-listpack-entries $entries]
                }
                set mismatches {}
                for {set i 0} {$i < 300} {incr i} {
                    set m [randomInt 40]
                    set m2 [randomInt 40]
                    set s [expr {[randomInt 200] - 100}]
                    set f [expr {rand() * 100 - 50}]
                    set lo [expr {[randomInt 60] - 30}]
                    set hi [expr {[randomInt 60] - 30}]
                    set cmds [list \
                        [list zadd z $s m$m] \
                        [list zadd z $f f$m2] \
                        [list zadd l 0 [randstring 1 3 alpha]] \
                        [list zincrby z [expr {[randomInt 10] - 5}] m$m2] \
                        [list zadd z GT CH $s m$m2] \
                        [list zadd z LT $f f$m] \
                        [list zrem z m[randomInt 40]] \
                        [list zrange z $lo $hi withscores] \
                        [list zrange z ($lo $hi byscore limit [randomInt 3] [randomInt 5]] \
                        [list zrevrangebyscore z $hi ($lo withscores] \
                        [list zrangebylex l \[[randstring 1 2 alpha] +] \
                        [list zrevrangebylex l + ([randstring 1 2 alpha] limit 1 3] \
                        [list zlexcount l - \[[randstring 1 2 alpha]] \
                        [list zcount z $lo $hi] \
                        [list zrank z m$m] \
                        [list zrevrank z f$m2] \
                        [list zscore z f$m] \
                        [list zmscore z m$m f$m x] \
                        [list zcard z] \
                        [list zunion 2 z l withscores] \
                        [list zinter 2 z z2 weights 2 0.5 aggregate max withscores] \
                        [list zunionstore z2 2 z l weights 1 3] \
                        [list zdiff 2 z z2 withscores] \
                        [list zintercard 2 z z2] \
                        [list zrangestore d z $lo $hi byscore] \
                        [list zrange d 0 -1 withscores] \
                    ]
                    if {$i % 25 == 0} {
                        lappend cmds [list zremrangebyrank z $lo $hi] \
                            [list zremrangebyscore z $lo $hi] \
                            [list zremrangebylex l - \[[randstring 1 1 alpha]] \
                            [list zpopmin z [randomInt 3]] [list zpopmax z] \
                            [list zmpop 2 nokey z max count 2]
                    }
                    foreach cmd $cmds {
                        set r1 [diff_send $ours $cmd]
                        set r2 [diff_send $stock $cmd]
                        if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                    }
                }
                foreach fd [list $ours $stock] {
                    diff_send $fd {config set zset-max-listpack-entries 128}
                }
                close $ours
                close $stock
                assert_equal {} [lrange $mismatches 0 4]
            }
        }

        test {A 5000 member skiplist ranks and ranges like stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            foreach fd [list $ours $stock] { diff_send $fd {flushall} }
            set mismatches {}
            set args {}
            for {set i 0} {$i < 5000} {incr i} {
                lappend args [randomInt 1000] m$i
            }
            foreach fd [list $ours $stock] { diff_send $fd [list zadd big {*}$args] }
            for {set i 0} {$i < 200} {incr i} {
                set m m[randomInt 5000]
                set cmds [list \
                    [list zrank big $m] [list zrevrank big $m] \
                    [list zrange big [randomInt 5000] [randomInt 5000]] \
                    [list zincrby big [expr {[randomInt 100] - 50}] $m] \
                    [list zrem big m[randomInt 5000]] \
                    [list zrangebyscore big [randomInt 1000] [randomInt 1000] limit 3 10] \
                ]
                foreach cmd $cmds {
                    set r1 [diff_send $ours $cmd]
                    set r2 [diff_send $stock $cmd]
                    if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                }
            }
            foreach cmd {{zremrangebyrank big 100 300} {zremrangebyscore big 400 500}
                         {zrange big 0 -1 withscores} {zcard big}} {
                set r1 [diff_send $ours $cmd]
                set r2 [diff_send $stock $cmd]
                if {$r1 ne $r2} { lappend mismatches [list $cmd [string range $r1 0 200] [string range $r2 0 200]] }
            }
            close $ours
            close $stock
            assert_equal {} [lrange $mismatches 0 4]
        }
    }
}
