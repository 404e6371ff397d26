# Hash commands (src/t_hash.c): encodings and conversions, big values,
# HSCAN and HRANDFIELD over a hashtable, and randomized differential checks
# against stock redis-server 7.0.15 (listpack hashes keep insertion order,
# so there every reply is comparable; hashtables only through order-free
# replies). Static reply-by-reply comparisons live in tests/diff/hash.txt.
source [file join $::tests_root support diff.tcl]

start_server {tags {hash}} {
    test {Small hashes are listpacks, converting on entries} {
        r config set hash-max-listpack-entries 4
        r del h
        r hset h a 1 b 2 c 3 d 4
        assert_encoding listpack h
        r hset h e 5
        assert_encoding hashtable h
        assert_equal [lsort [r hkeys h]] {a b c d e}
        r config set hash-max-listpack-entries 128
    }

    test {A long field or value converts, from any write command} {
        r config set hash-max-listpack-value 8
        foreach {key cmd} {
            h1 {hset h1 f 123456789}
            h2 {hset h2 123456789 v}
            h3 {hsetnx h3 123456789 v}
            h4 {hincrby h4 123456789 1}
            h5 {hincrbyfloat h5 f 1.2345678}
            h6 {hmset h6 f 123456789}
        } {
            r del $key
            r {*}$cmd
            assert_encoding hashtable $key
        }
        r del h7
        r hset h7 f 12345678
        assert_encoding listpack h7
        r config set hash-max-listpack-value 64
    }

    test {HGETALL of a hashtable holds every pair} {
        r del h
        for {set i 0} {$i < 300} {incr i} { r hset h f$i v$i }
        assert_encoding hashtable h
        array set got [r hgetall h]
        assert_equal [array size got] 300
        assert_equal $got(f123) v123
        assert_equal [r hlen h] 300
    }

    test {HSCAN of a hashtable visits every field once} {
        set cursor 0
        array set seen {}
        set n 0
        while 1 {
            lassign [r hscan h $cursor count 17] cursor items
            foreach {f v} $items { set seen($f) $v; incr n }
            if {$cursor == 0} break
        }
        assert_equal [array size seen] 300
        assert_equal $n 300
        assert_equal $seen(f7) v7
    }

    test {HRANDFIELD over a hashtable: distinct with a positive count} {
        set fields [r hrandfield h 100]
        assert_equal [llength $fields] 100
        assert_equal [llength [lsort -unique $fields]] 100
        set pairs [r hrandfield h 10 withvalues]
        foreach {f v} $pairs { assert_equal [r hget h $f] $v }
        assert_equal [llength [r hrandfield h -500]] 500
        assert_equal [llength [lsort -unique [r hrandfield h 299]]] 299
    }

    test {HRANDFIELD over a listpack: distinct, and repeats with a negative count} {
        r del s
        r hset s a 1 b 2 c 3 d 4 e 5
        assert_equal [llength [lsort -unique [r hrandfield s 4]]] 4
        assert_equal [llength [r hrandfield s -20 withvalues]] 40
        assert {[lsearch {a b c d e} [r hrandfield s]] >= 0}
    }

    test {Big values round-trip} {
        r del h
        set big [string repeat "x\x00y" 100000]
        r hset h big $big small 1
        assert_encoding hashtable h
        assert_equal [r hget h big] $big
        assert_equal [r hstrlen h big] 300000
    }

    test {HDEL of the last field deletes the key} {
        r del h
        r hset h a 1 b 2
        assert_equal [r hdel h a b] 2
        assert_equal [r exists h] 0
    }

    test {COPY duplicates both encodings} {
        r del h hc
        r hset h a 1
        r copy h hc
        r hset h b 2
        assert_equal [r hgetall hc] {a 1}
        r config set hash-max-listpack-entries 0
        r del big bigc
        r hset big a 1 b 2 c 3
        r config set hash-max-listpack-entries 128
        r copy big bigc
        assert_encoding hashtable bigc
        assert_equal [r debug digest-value big] [r debug digest-value bigc]
    }

    test {HINCRBYFLOAT accumulates in human-readable form} {
        r del h
        r hincrbyfloat h f 1.5
        r hincrbyfloat h f 0.25
        assert_equal [r hget h f] 1.75
    }

    test {UNLINK of a big hash frees it in the background} {
        r del h
        for {set i 0} {$i < 200} {incr i} { r hset h f$i v$i }
        set before [s lazyfreed_objects]
        r unlink h
        wait_for_condition 50 10 {
            [s lazyfreed_objects] > $before
        } else {
            fail "the hash was not freed lazily"
        }
    }

    start_server {tags {hash differential} binary /usr/bin/redis-server} {
        test {Random hash commands reply as stock (listpack)} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            foreach fd [list $ours $stock] { diff_send $fd {flushall} }
            set mismatches {}
            for {set i 0} {$i < 400} {incr i} {
                set f f[randomInt 30]
                set v [randstring 0 10 compr]
                set n [expr {[randomInt 2000] - 1000}]
                set cmds [list \
                    [list hset h $f $v] \
                    [list hset h f[randomInt 30] $n i$f $n] \
                    [list hsetnx h $f x] \
                    [list hincrby h i$f [randomInt 100]] \
                    [list hincrbyfloat h fl$f [expr {rand()*10}]] \
                    [list hdel h f[randomInt 30]] \
                    [list hget h $f] \
                    [list hmget h $f i$f nosuch] \
                    [list hstrlen h fl$f] \
                    [list hexists h $f] \
                    [list hlen h] \
                    [list hgetall h] \
                    [list hkeys h] \
                    [list hvals h] \
                    [list hrandfield h 1000 withvalues] \
                    [list hscan h 0 match f1*] \
                ]
                foreach cmd $cmds {
                    set r1 [diff_send $ours $cmd]
                    set r2 [diff_send $stock $cmd]
                    if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                }
            }
            close $ours
            close $stock
            assert_equal {} [lrange $mismatches 0 4]
        }

        test {Random hash commands reply as stock (hashtable, order-free replies)} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            foreach fd [list $ours $stock] {
                diff_send $fd {flushall}
                diff_send $fd {config set hash-max-listpack-entries 0}
            }
            set mismatches {}
            for {set i 0} {$i < 400} {incr i} {
                set f f[randomInt 200]
                set cmds [list \
                    [list hset h $f [randstring 0 10 compr]] \
                    [list hincrby h i$f [randomInt 100]] \
                    [list hincrbyfloat h fl$f [expr {rand()*10}]] \
                    [list hdel h f[randomInt 200] i$f] \
                    [list hget h $f] \
                    [list hmget h $f i$f fl$f] \
                    [list hstrlen h $f] \
                    [list hexists h i$f] \
                    [list hlen h] \
                ]
                foreach cmd $cmds {
                    set r1 [diff_send $ours $cmd]
                    set r2 [diff_send $stock $cmd]
                    if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                }
            }
            foreach fd [list $ours $stock] {
                diff_send $fd {config set hash-max-listpack-entries 128}
            }
            close $ours
            close $stock
            assert_equal {} [lrange $mismatches 0 4]
            assert_equal [lsort [r -1 hgetall h]] [lsort [r hgetall h]]
        }
    }
}
