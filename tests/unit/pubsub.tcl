# Pub/Sub (src/pubsub.c) between clients, and keyspace notifications
# (src/notify.c). Single-connection reply formats are compared with stock
# in tests/diff/pubsub.txt.

start_server {tags {pubsub}} {
    proc subscribed {rd cmd args} {
        $rd $cmd {*}$args
        set out {}
        foreach a $args { lappend out [$rd read] }
        return $out
    }

    test {PUBLISH reaches every subscriber and counts them} {
        set a [redis_deferring_client]
        set b [redis_deferring_client]
        assert_equal [subscribed $a subscribe ch1 ch2] {{subscribe ch1 1} {subscribe ch2 2}}
        assert_equal [subscribed $b subscribe ch1] {{subscribe ch1 1}}
        assert_equal [r publish ch1 hello] 2
        assert_equal [r publish ch2 world] 1
        assert_equal [r publish ch3 nobody] 0
        assert_equal [$a read] {message ch1 hello}
        assert_equal [$a read] {message ch2 world}
        assert_equal [$b read] {message ch1 hello}
        assert_equal [r pubsub numsub ch1 ch2 ch3] {ch1 2 ch2 1 ch3 0}
        assert_equal [lsort [r pubsub channels]] {ch1 ch2}
        assert_equal [r pubsub channels ch2] {ch2}
        assert_equal [s pubsub_channels] 2
        $a unsubscribe ch1
        assert_equal [$a read] {unsubscribe ch1 1}
        assert_equal [r publish ch1 x] 1
        $a close
        $b close
        wait_for_condition 50 20 {[r pubsub numsub ch1] eq {ch1 0}} else {
            fail "closed clients are still subscribed"
        }
        assert_equal [r pubsub channels] {}
        assert_equal [s pubsub_channels] 0
    }

    test {Binary channel names and messages} {
        set a [redis_deferring_client]
        set chan "a\x00b\r\n"
        subscribed $a subscribe $chan
        set msg "x\x00y\xff"
        assert_equal [r publish $chan $msg] 1
        assert_equal [$a read] [list message $chan $msg]
        $a close
    }

    test {Pattern subscriptions: pmessage, one delivery per matching pattern} {
        set a [redis_deferring_client]
        assert_equal [subscribed $a psubscribe news.* *] {{psubscribe news.* 1} {psubscribe * 2}}
        subscribed $a subscribe news.art
        assert_equal [r publish news.art hi] 3
        set got [list [$a read] [$a read] [$a read]]
        assert {[lsearch -exact $got {message news.art hi}] >= 0}
        assert {[lsearch -exact $got {pmessage news.* news.art hi}] >= 0}
        assert {[lsearch -exact $got {pmessage * news.art hi}] >= 0}
        assert_equal [r pubsub numpat] 2
        assert_equal [s pubsub_patterns] 2
        $a punsubscribe
        set got [list [$a read] [$a read]]
        assert_equal [lsort $got] [lsort {{punsubscribe news.* 2} {punsubscribe * 1}}]
        assert_equal [r pubsub numpat] 0
        assert_equal [r publish news.art again] 1
        assert_equal [$a read] {message news.art again}
        $a close
    }

    test {Shard channels: only SPUBLISH reaches them} {
        set a [redis_deferring_client]
        assert_equal [subscribed $a ssubscribe sh1 sh2] {{ssubscribe sh1 1} {ssubscribe sh2 2}}
        assert_equal [r publish sh1 x] 0
        assert_equal [r spublish sh1 y] 1
        assert_equal [$a read] {smessage sh1 y}
        assert_equal [r pubsub shardnumsub sh1 sh3] {sh1 1 sh3 0}
        assert_equal [lsort [r pubsub shardchannels]] {sh1 sh2}
        assert_equal [s pubsubshard_channels] 2
        $a sunsubscribe sh1
        assert_equal [$a read] {sunsubscribe sh1 1}
        $a close
    }

    test {CLIENT LIST shows subscriptions and the P flag} {
        set a [redis_deferring_client]
        subscribed $a subscribe c1 c2
        subscribed $a psubscribe p1
        subscribed $a ssubscribe s1
        set line [lsearch -inline [split [r client list] "\n"] "*cmd=ssubscribe*"]
        assert_match {*flags=P *sub=2 psub=1 ssub=1 *} $line
        $a unsubscribe
        $a read ; $a read
        $a punsubscribe
        $a read
        $a sunsubscribe
        $a read
        $a ping
        assert_equal [$a read] PONG   ;# out of subscribed mode
        $a close
    }

    test {CLIENT REPLY OFF does not silence pub/sub replies and messages} {
        set a [redis_deferring_client]
        $a client reply off
        $a subscribe quiet
        assert_equal [$a read] {subscribe quiet 1}
        assert_equal [r publish quiet hi] 1
        assert_equal [$a read] {message quiet hi}
        $a close
    }

    test {CLIENT LIST/KILL TYPE pubsub select subscribed clients} {
        set a [redis_deferring_client]
        subscribed $a subscribe k1
        set b [redis_deferring_client]
        subscribed $b ssubscribe k2
        assert_equal [llength [split [string trim [r client list type pubsub]] "\n"]] 2
        assert_equal [r client kill type pubsub] 2
        wait_for_condition 50 20 {[r pubsub numsub k1] eq {k1 0}} else {
            fail "killed subscriber still subscribed"
        }
        assert_equal [r pubsub shardnumsub k2] {k2 0}
        $a close
        $b close
    }

    test {RESET leaves every channel and subscribed mode} {
        set a [redis_deferring_client]
        subscribed $a subscribe c1
        subscribed $a psubscribe p*
        $a reset
        assert_equal [$a read] RESET
        assert_equal [r publish c1 x] 0
        assert_equal [r pubsub numpat] 0
        $a get x
        assert_equal [$a read] {}
        $a close
    }

    test {RESP3 subscribers get pushes and may run commands} {
        set a [redis_deferring_client]
        $a hello 3
        $a read
        subscribed $a subscribe c3
        $a set k v
        assert_equal [$a read] OK
        assert_equal [r publish c3 m] 1
        assert_equal [$a read] {message c3 m}
        # Publishing to oneself: the push comes before PUBLISH's reply.
        $a publish c3 self
        assert_equal [$a read] {message c3 self}
        assert_equal [$a read] 1
        $a close
    }

    test {A subscriber over the pubsub output limit is disconnected} {
        r config set client-output-buffer-limit "pubsub 100k 0 0"
        set a [redis_deferring_client]
        subscribed $a subscribe flood
        # (Payloads under 4KB: Tcl's socket layer stalls on bigger writes
        # while another socket of the interpreter has unread input.)
        set payload [string repeat x 3000]
        for {set i 0} {$i < 4000} {incr i} { r publish flood $payload }
        wait_for_condition 50 20 {[r pubsub numsub flood] eq {flood 0}} else {
            fail "the slow subscriber was not disconnected"
        }
        r config set client-output-buffer-limit "pubsub 32mb 8mb 60"
        $a close
    }

    test {A subscriber over the soft limit is disconnected only after its seconds} {
        r config set client-output-buffer-limit "pubsub 0 100k 2"
        set a [redis_deferring_client]
        subscribed $a subscribe flood
        set payload [string repeat x 3000]
        set start [clock milliseconds]
        for {set i 0} {$i < 4000} {incr i} { r publish flood $payload }
        # Output only grows when something is published: keep it coming.
        wait_for_condition 100 100 {
            [r publish flood $payload] == 0
        } else {
            fail "the subscriber over the soft limit was not disconnected"
        }
        # Over the limit from some moment after start; closed once more than
        # 2 whole seconds have passed since then.
        assert_morethan [expr {[clock milliseconds] - $start}] 2000
        r config set client-output-buffer-limit "pubsub 32mb 8mb 60"
        $a close
    }

    # ---- keyspace notifications -------------------------------------------

    test {Keyspace and keyevent notifications for string commands} {
        r config set notify-keyspace-events KEA
        set a [redis_deferring_client]
        subscribed $a psubscribe *
        r set foo bar
        assert_equal [$a read] {pmessage * __keyspace@0__:foo set}
        assert_equal [$a read] {pmessage * __keyevent@0__:set foo}
        r del foo
        assert_equal [$a read] {pmessage * __keyspace@0__:foo del}
        assert_equal [$a read] {pmessage * __keyevent@0__:del foo}
        r select 9
        r incr n
        assert_equal [$a read] {pmessage * __keyspace@9__:n incrby}
        assert_equal [$a read] {pmessage * __keyevent@9__:incrby n}
        r del n
        $a read ; $a read
        r select 0
        $a close
        r config set notify-keyspace-events ""
    }

    test {Only the enabled classes and channels are published} {
        r config set notify-keyspace-events Ks
        set a [redis_deferring_client]
        subscribed $a psubscribe *
        r set str v          ;# string class: off
        r sadd myset a       ;# set class, keyspace channel only
        assert_equal [$a read] {pmessage * __keyspace@0__:myset sadd}
        r config set notify-keyspace-events Eg
        r del str
        assert_equal [$a read] {pmessage * __keyevent@0__:del str}
        $a close
        r config set notify-keyspace-events ""
    }

    test {Set commands notify their events, then del when emptied} {
        r config set notify-keyspace-events Egs
        set a [redis_deferring_client]
        subscribed $a psubscribe __keyevent@0__:*
        r del s d
        r sadd s 1 2
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:sadd s}
        r srem s 1 2
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:srem s}
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:del s}
        r sadd s 1 2 3
        $a read
        r smove s d 2
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:srem s}
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:sadd d}
        r spop s
        assert_equal [$a read] {pmessage __keyevent@0__:* __keyevent@0__:spop s}
        r sinterstore d2 s s
        r sunionstore d3 s d
        r sdiffstore d4 s d
        set got [list [$a read] [$a read] [$a read]]
        assert_equal [lsort [lmap m $got {lindex $m 2}]] \
            {__keyevent@0__:sdiffstore __keyevent@0__:sinterstore __keyevent@0__:sunionstore}
        $a close
        r config set notify-keyspace-events ""
    }

    test {Expired keys are notified} {
        r config set notify-keyspace-events Ex
        set a [redis_deferring_client]
        subscribed $a subscribe __keyevent@0__:expired
        r psetex short 10 v
        assert_equal [$a read] {message __keyevent@0__:expired short}
        $a close
        r config set notify-keyspace-events ""
    }

    # The events (and their order) of a command sequence, compared with
    # stock: both servers run the same commands with every class enabled.
    start_server {tags {pubsub differential} binary /usr/bin/redis-server} {
        proc collect_events {level cmds} {
            set sub [redis_deferring_client $level]
            $sub psubscribe *
            $sub read
            set cli [redis_client $level]
            $cli flushall
            $cli config set notify-keyspace-events KEAmn
            foreach cmd $cmds { catch {$cli {*}$cmd} }
            $cli publish marker end
            set events {}
            while 1 {
                set m [$sub read]
                if {[lindex $m 2] eq "marker"} break
                lappend events [lrange $m 2 3]
            }
            $cli config set notify-keyspace-events ""
            $cli flushall
            $sub close
            $cli close
            return $events
        }

        test {Keyspace events match stock, in order} {
            set cmds {
                {set a 1} {set a 2 get} {incr a} {incrbyfloat a 1.5} {append a x}
                {setrange a 0 zz} {get nokey} {getdel a} {set b v ex 100}
                {persist b} {expire b 100} {pexpire b 0} {set c v} {rename c d}
                {move d 1} {set e v} {copy e f} {getex e px 100000} {getex e persist}
                {del e f nokey} {unlink nokey} {sadd s 1 2 3} {srem s 1} {sadd s 1}
                {smove s s2 2} {sinterstore s3 s s2} {sunionstore s4 s s2} {sdiffstore s5 s s2}
                {sinterstore s5 nokey s} {srem s2 2} {spop s 10} {sadd one x} {spop one}
                {mset m1 a m2 b} {msetnx m1 a m3 c} {setnx m4 d} {setex m5 100 e}
                {psetex m6 100000 f} {getset m6 g} {setbit bits 7 1} {bitop or dest bits bits}
                {pfadd hl a b} {pfadd hl a} {pfcount hl} {pfmerge hl2 hl} {pfadd hl}
                {flushdb} {set z 1} {swapdb 0 1} {expire z -1} {type nokey} {exists nokey}
            }
            set ours [collect_events -1 $cmds]
            set stock [collect_events 0 $cmds]
            assert_equal $stock $ours
        }
    }

    # Several subscribers doing random (un)subscriptions while messages are
    # published: every byte each one receives must match stock. One pattern
    # per client at most (stock tries patterns in hash order).
    start_server {tags {pubsub differential} binary /usr/bin/redis-server} {
        source [file join $::tests_root support diff.tcl]
        test {Random subscriber traffic is byte-identical to stock} {
            set targets [list [list [srv -1 host] [srv -1 port]] [list [srv 0 host] [srv 0 port]]]
            set streams {}
            set seed [randomInt 1000000]
            foreach hp $targets {
                expr {srand($seed)}
                array unset stream
                lassign $hp host port
                set pub [diff_connect $host $port]
                set subs {}
                for {set i 0} {$i < 4} {incr i} { lappend subs [diff_connect $host $port] }
                set pubreplies {}
                set pattern [lrepeat 4 {}]
                for {set op 0} {$op < 300} {incr op} {
                    set i [expr {int(rand() * 4)}]
                    set fd [lindex $subs $i]
                    set ch "c[expr {int(rand() * 5)}]"
                    switch [expr {int(rand() * 6)}] {
                        0 { puts -nonewline $fd [diff_encode [list subscribe $ch]] }
                        1 { puts -nonewline $fd [diff_encode [list unsubscribe $ch]] }
                        2 {
                            if {[lindex $pattern $i] ne {}} {
                                puts -nonewline $fd [diff_encode [list punsubscribe [lindex $pattern $i]]]
                            }
                            set p [lindex {c* c\[0-2\] * x*} [expr {int(rand() * 4)}]]
                            lset pattern $i $p
                            puts -nonewline $fd [diff_encode [list psubscribe $p]]
                        }
                        3 { puts -nonewline $fd [diff_encode [list ssubscribe $ch]] }
                        default {
                            # Let the subscribers' commands land first.
                            foreach s $subs { flush $s; puts -nonewline $s [diff_encode {ping sync}]; flush $s }
                            foreach s $subs {
                                while 1 { set r [diff_read_reply $s]; if {[string match "*sync*" $r]} break; append stream($s) $r }
                            }
                            set verb [expr {rand() < 0.2 ? "spublish" : "publish"}]
                            lappend pubreplies [diff_send $pub [list $verb $ch "m$op"]]
                        }
                    }
                    flush $fd
                }
                set all $pubreplies
                foreach s $subs {
                    puts -nonewline $s [diff_encode {ping end}]
                    flush $s
                    while 1 { set r [diff_read_reply $s]; if {[string match "*end*" $r]} break; append stream($s) $r }
                    lappend all [expr {[info exists stream($s)] ? $stream($s) : ""}]
                    close $s
                }
                close $pub
                lappend streams $all
            }
            lassign $streams ours stock
            assert_equal [llength $stock] [llength $ours]
            assert_morethan [string length [join $ours]] 2000   ;# real traffic
            for {set i 0} {$i < [llength $stock]} {incr i} {
                if {[lindex $ours $i] ne [lindex $stock $i]} {
                    fail "stream $i differs (seed $seed):\nours:  [string range [lindex $ours $i] 0 300]\nstock: [string range [lindex $stock $i] 0 300]"
                }
            }
        }
    }
}
