# STREAM type (src/t_stream.c, src/stream_rdb.c, src/omap.c): entries across
# many listpack nodes checked against a Tcl model, deletion and trimming,
# persistence (DEBUG RELOAD, DUMP/RESTORE, both ways with a stock 7.0.15),
# corrupt payloads, XREAD BLOCK. Reply-exact comparisons with stock live
# in tests/diff/stream.txt.

proc stream_wait_blocked {n} {
    wait_for_condition 100 10 {[s blocked_clients] == $n} else {
        fail "expected $n blocked clients, have [s blocked_clients]"
    }
}

# The model: a flat list of {id fields} in ID order.
proc stream_model_range {model start end} {
    set out {}
    foreach e $model {
        lassign [split [lindex $e 0] -] ms seq
        if {[stream_id_cmp "$ms-$seq" $start] >= 0 && [stream_id_cmp "$ms-$seq" $end] <= 0} {
            lappend out $e
        }
    }
    return $out
}

proc stream_id_cmp {a b} {
    lassign [split $a -] am as
    lassign [split $b -] bm bs
    if {$am != $bm} {return [expr {$am < $bm ? -1 : 1}]}
    if {$as != $bs} {return [expr {$as < $bs ? -1 : 1}]}
    return 0
}

start_server {tags {stream}} {
    test {XADD auto IDs grow, entries read back across many nodes} {
        r del s
        r config set stream-node-max-entries 7
        set model {}
        for {set i 0} {$i < 300} {incr i} {
            # Same fields as the node's master entry, or different ones.
            if {$i % 3} {set f [list a $i b [expr {$i*2}]]} else {set f [list x$i [string repeat v [expr {$i % 50}]]]}
            set id [r xadd s * {*}$f]
            if {[llength $model]} { assert {[stream_id_cmp $id [lindex $model end 0]] > 0} }
            lappend model [list $id $f]
        }
        assert_equal [r xlen s] 300
        assert_equal [r xrange s - +] $model
        assert_equal [r xrevrange s + -] [lreverse $model]
        assert {[dict get [r xinfo stream s] radix-tree-keys] >= 300/7}
        r config set stream-node-max-entries 100
    }

    test {XRANGE / XREVRANGE random bounds and COUNT match the model} {
        set model [r xrange s - +]
        set n [llength $model]
        for {set k 0} {$k < 100} {incr k} {
            set a [lindex $model [expr {int(rand()*$n)}] 0]
            set b [lindex $model [expr {int(rand()*$n)}] 0]
            if {[stream_id_cmp $a $b] > 0} {lassign [list $b $a] a b}
            set want [stream_model_range $model $a $b]
            assert_equal [r xrange s $a $b] $want
            assert_equal [r xrevrange s $b $a] [lreverse $want]
            set cnt [expr {1 + int(rand()*10)}]
            assert_equal [r xrange s $a $b COUNT $cnt] [lrange $want 0 [expr {$cnt-1}]]
            assert_equal [r xrange s ($a ($b] [lrange $want 1 end-1]
        }
    }

    test {XDEL of random entries; emptied nodes go away} {
        set model [r xrange s - +]
        for {set k 0} {$k < 200} {incr k} {
            set idx [expr {int(rand()*[llength $model])}]
            set id [lindex $model $idx 0]
            assert_equal [r xdel s $id] 1
            assert_equal [r xdel s $id] 0
            set model [lreplace $model $idx $idx]
        }
        assert_equal [r xrange s - +] $model
        assert_equal [r xlen s] [llength $model]
        set info [r xinfo stream s]
        assert_equal [dict get $info recorded-first-entry-id] [lindex $model 0 0]
        assert_equal [dict get $info max-deleted-entry-id] [dict get $info max-deleted-entry-id]
        foreach e $model { r xdel s [lindex $e 0] }
        assert_equal [dict get [r xinfo stream s] radix-tree-keys] 0
        assert_equal [r exists s] 1
    }

    test {XTRIM MAXLEN and MINID, exact and approximate} {
        r del t
        r config set stream-node-max-entries 10
        for {set i 1} {$i <= 100} {incr i} { r xadd t $i-0 f $i }
        assert_equal [r xtrim t MAXLEN ~ 55] 40
        assert_equal [r xlen t] 60
        assert_equal [r xtrim t MAXLEN = 55] 5
        assert_equal [lindex [r xrange t - + COUNT 1] 0 0] 46-0
        assert_equal [r xtrim t MINID 50] 4
        assert_equal [lindex [r xrange t - + COUNT 1] 0 0] 50-0
        # Whole nodes only: 50..70 go, the node holding 75 stays.
        assert_equal [r xtrim t MINID ~ 75] 21
        assert_equal [lindex [r xrange t - + COUNT 1] 0 0] 71-0
        assert_equal [r xtrim t MAXLEN ~ 0 LIMIT 10] 10
        assert_equal [r xlen t] 20
        r xadd t MAXLEN 3 101-0 f x
        assert_equal [r xlen t] 3
        assert_equal [dict get [r xinfo stream t] entries-added] 101
        r config set stream-node-max-entries 100
    }

    test {stream-node-max-bytes starts new nodes} {
        r del b
        r config set stream-node-max-bytes 100
        for {set i 0} {$i < 20} {incr i} { r xadd b * f [string repeat x 40] }
        assert {[dict get [r xinfo stream b] radix-tree-keys] >= 10}
        r config set stream-node-max-bytes 4096
        assert_equal [r xlen b] 20
    }

    test {TYPE, OBJECT ENCODING, SCAN TYPE, COPY is independent} {
        r del s c
        r xadd s 1-0 a 1
        r xgroup create s g 0
        assert_equal [r type s] stream
        assert_equal [r object encoding s] stream
        assert {[lsearch [lindex [r scan 0 TYPE stream COUNT 1000] 1] s] >= 0}
        r copy s c
        r xadd c 2-0 b 2
        r xreadgroup group g alice streams c >
        assert_equal [r xlen s] 1
        assert_equal [r xlen c] 2
        assert_equal [lindex [r xpending s g] 0] 0
        assert_equal [lindex [r xpending c g] 0] 2
        assert_equal [r debug digest-value s] [r debug digest-value s]
        assert {[r memory usage s] > 0}
        r unlink c
        assert_equal [r exists c] 0
    }

    test {DEBUG RELOAD keeps entries, counters and groups} {
        r del s
        r config set stream-node-max-entries 4
        for {set i 1} {$i <= 30} {incr i} { r xadd s $i-1 f $i g v }
        r xdel s 5-1 6-1
        r xgroup create s g1 0
        r xgroup create s g2 10-1 ENTRIESREAD 8
        r xreadgroup group g1 alice count 3 streams s >
        r xreadgroup group g1 bob count 2 streams s >
        r xgroup createconsumer s g2 carol
        r xsetid s 40-0 ENTRIESADDED 50 MAXDELETEDID 6-1
        set before [r xinfo stream s full]
        set digest [r debug digest]
        r debug reload
        assert_equal [r xinfo stream s full] $before
        assert_equal [r debug digest] $digest
        r config set stream-node-max-entries 100
    }

    test {RESTORE rejects corrupt stream payloads without crashing} {
        r del s
        for {set i 1} {$i <= 20} {incr i} { r xadd s $i-0 f $i }
        r xgroup create s g 0
        r xreadgroup group g c count 5 streams s >
        set dump [r dump s]
        r debug set-skip-checksum-validation 1
        set len [string length $dump]
        for {set k 0} {$k < 1000} {incr k} {
            set bad $dump
            for {set m 0} {$m < 1 + $k % 3} {incr m} {
                set p [expr {int(rand()*($len-10))}]
                set bad [string replace $bad $p $p [format %c [expr {int(rand()*256)}]]]
            }
            catch {r restore bad$k 0 $bad}
            if {[r exists bad$k] && [r type bad$k] ne "stream"} {
                # A flipped type byte can make it a valid value of another
                # type: it must still be usable.
                r dump bad$k
                r del bad$k
            } elseif {[r exists bad$k]} {
                # Whatever got in must be readable and writable.
                r xrange bad$k - +
                r xrevrange bad$k + -
                r xinfo stream bad$k full
                catch {r xreadgroup group g c streams bad$k 0}
                catch {r xautoclaim bad$k g x 0 0}
                r xadd bad$k * a b
                r xtrim bad$k MAXLEN 2
                r dump bad$k
                r del bad$k
            }
        }
        for {set k 0} {$k < 50} {incr k} {
            catch {r restore trunc 0 [string range $dump 0 [expr {int(rand()*($len-10))}]]}
            r del trunc
        }
        r debug set-skip-checksum-validation 0
        assert_equal [r ping] PONG
    }

    test {XREAD BLOCK is served by XADD, with "$" meaning new entries only} {
        r del s1 s2
        r xadd s1 1-0 old x
        set rd [redis_deferring_client]
        $rd xread BLOCK 0 STREAMS s1 s2 $ $
        stream_wait_blocked 1
        r xadd s2 5-0 new y
        assert_equal [$rd read] {{s2 {{5-0 {new y}}}}}
        stream_wait_blocked 0
        $rd xread BLOCK 0 COUNT 1 STREAMS s1 1-0
        stream_wait_blocked 1
        r xadd s1 2-0 a 1
        assert_equal [$rd read] {{s1 {{2-0 {a 1}}}}}
        $rd close
    }

    test {XREAD BLOCK times out with a null reply; not blocking in MULTI} {
        set rd [redis_deferring_client]
        $rd xread BLOCK 20 STREAMS nokey 0
        assert_equal [$rd read] {}
        $rd close
        r multi
        r xread BLOCK 0 STREAMS nokey 0
        assert_equal [r exec] {{}}
    }

    test {CLIENT UNBLOCK ends XREAD BLOCK with a timeout or an error} {
        set rd [redis_deferring_client]
        $rd client id
        set id [$rd read]
        $rd xread BLOCK 0 STREAMS nokey 0
        stream_wait_blocked 1
        assert_equal [r client unblock $id] 1
        assert_equal [$rd read] {}
        $rd xread BLOCK 0 STREAMS nokey 0
        stream_wait_blocked 1
        assert_equal [r client unblock $id error] 1
        assert_error {UNBLOCKED*} {$rd read}
        $rd close
    }

    test {XREAD BLOCK waits through other types and XADDs it has already seen} {
        r del s3
        set rd [redis_deferring_client]
        $rd xread BLOCK 0 STREAMS s3 10-0
        stream_wait_blocked 1
        r xadd s3 5-0 a 1
        stream_wait_blocked 1
        r xadd s3 11-0 b 2
        assert_equal [$rd read] {{s3 {{11-0 {b 2}}}}}
        $rd close
    }
}

# DUMP payloads move both ways with a stock 7.0.15 server.
start_server [list tags {stream} binary /usr/bin/redis-server] {
    start_server {tags {stream}} {
        set stock [redis [srv -1 host] [srv -1 port]]
        set ours [redis [srv 0 host] [srv 0 port]]
        proc stream_fill {r} {
            $r del s
            $r config set stream-node-max-entries 5
            for {set i 1} {$i <= 23} {incr i} { $r xadd s $i-0 f $i other [string repeat z $i] }
            $r xadd s 24-0 different fields
            $r xdel s 3-0 7-0
            $r xgroup create s g1 0
            $r xgroup create s g2 $
            $r xreadgroup group g1 alice count 4 streams s >
            $r xreadgroup group g1 bob count 3 streams s >
            $r xreadgroup group g1 carol noack count 2 streams s >
            $r xack s g1 2-0
            $r xgroup createconsumer s g2 dave
            $r config set stream-node-max-entries 100
        }

        test {Stream with groups DUMPed on stock reads back identically on ours} {
            stream_fill $stock
            set payload [$stock dump s]
            $ours del s
            $ours restore s 0 $payload
            assert_equal [$ours xinfo stream s full] [$stock xinfo stream s full]
            assert_equal [$ours xrange s - +] [$stock xrange s - +]
            assert_equal [$ours debug digest-value s] [$stock debug digest-value s]
            # Ours re-dumps the same bytes.
            assert_equal [$ours dump s] $payload
        }

        test {Stream with groups DUMPed on ours reads back identically on stock} {
            stream_fill $ours
            set payload [$ours dump s]
            $stock del s
            $stock restore s 0 $payload
            assert_equal [$stock xinfo stream s full] [$ours xinfo stream s full]
            assert_equal [$stock xinfo groups s] [$ours xinfo groups s]
            # The PEL with its delivery counts (ages move on between calls).
            set want [lmap p [$ours xpending s g1 - + 100] {lreplace $p 2 2}]
            assert_equal [lmap p [$stock xpending s g1 - + 100] {lreplace $p 2 2}] $want
        }

        test {Stream keyspace events are the ones stock sends, in order} {
            needs_commands psubscribe
            set events {}
            foreach {name cl level} [list stock $stock -1 ours $ours 0] {
                $cl config set notify-keyspace-events KEA
                $cl del ev
                set sub [redis_deferring_client $level]
                $sub psubscribe __keyevent@*__:*
                $sub read
                $cl xadd ev 1-0 a 1
                $cl xadd ev MAXLEN 1 2-0 a 2
                $cl xadd ev 3-0 a 3
                $cl xdel ev 3-0
                $cl xtrim ev MAXLEN 0
                $cl xsetid ev 10-0
                $cl xgroup create ev g $
                $cl xgroup createconsumer ev g c1
                $cl xadd ev 11-0 a 1
                $cl xreadgroup group g c2 streams ev >
                $cl xgroup setid ev g 0
                $cl xgroup delconsumer ev g c1
                $cl xgroup destroy ev g
                $cl xgroup create ev2 g $ MKSTREAM
                $cl del ev ev2
                $cl ping
                set got {}
                # Read until the DEL of ev2 (the last event).
                while 1 {
                    set m [$sub read]
                    lappend got [lindex $m 2]
                    if {[string match *:del [lindex $m 2]] && [lindex $m 3] eq "ev2"} break
                    if {[llength $got] > 100} break
                }
                $sub close
                $cl config set notify-keyspace-events {}
                lappend events $got
            }
            assert_equal [lindex $events 1] [lindex $events 0]
        }
        $stock close
        $ours close
    }
}
