# The list type (t_list.c, quicklist.c, listpack.c) and blocking commands
# (blocked.c). Reply formats and errors are covered byte for byte by
# tests/diff/list.txt; here: behaviour that needs several clients, time,
# or many elements.

# Wait until n clients are blocked on keys.
proc wait_blocked {n} {
    wait_for_condition 100 10 {
        [s blocked_clients] == $n
    } else {
        fail "expected $n blocked clients, got [s blocked_clients]"
    }
}

# A random value: small/large integers or strings of various sizes.
proc rand_list_value {} {
    switch [expr {int(rand()*4)}] {
        0 {return [expr {int(rand()*1000) - 500}]}
        1 {return [expr {wide(rand()*9e18) - wide(4e18)}]}
        2 {return [string repeat [format %c [expr {97 + int(rand()*26)}]] [expr {int(rand()*70)}]]}
        3 {return "s[expr {int(rand()*100000)}]"}
    }
}

start_server {tags {list}} {
    test {LPUSH/RPUSH build the list in order, OBJECT ENCODING is quicklist} {
        r del l
        assert_equal [r rpush l b c] 2
        assert_equal [r lpush l a 0] 4
        assert_equal [r lrange l 0 -1] {0 a b c}
        assert_encoding quicklist l
        assert_type list l
    }

    foreach {fill depth} {-2 0 4 0 1 1 -1 2 3 3} {
        test "random operations match a Tcl model (fill $fill, compress $depth)" {
            r config set list-max-listpack-size $fill
            r config set list-compress-depth $depth
            r del l
            set model {}
            for {set i 0} {$i < 600} {incr i} {
                set v [rand_list_value]
                set len [llength $model]
                switch [expr {int(rand()*9)}] {
                    0 { r rpush l $v; lappend model $v }
                    1 { r lpush l $v; set model [linsert $model 0 $v] }
                    2 {
                        if {$len} {
                            set idx [expr {int(rand()*$len)}]
                            r lset l $idx $v
                            lset model $idx $v
                        }
                    }
                    3 {
                        if {$len} {
                            set idx [expr {int(rand()*$len)}]
                            set pivot [lindex $model $idx]
                            set first [lsearch -exact $model $pivot]
                            set after [expr {rand() < 0.5}]
                            r linsert l [expr {$after ? "after" : "before"}] $pivot $v
                            set model [linsert $model [expr {$first + $after}] $v]
                        }
                    }
                    4 {
                        if {$len} {
                            set got [r lpop l]
                            assert_equal $got [lindex $model 0]
                            set model [lrange $model 1 end]
                        }
                    }
                    5 {
                        if {$len} {
                            set got [r rpop l]
                            assert_equal $got [lindex $model end]
                            set model [lrange $model 0 end-1]
                        }
                    }
                    6 {
                        if {$len} {
                            set e [lindex $model [expr {int(rand()*$len)}]]
                            set n [r lrem l 0 $e]
                            set before [llength $model]
                            set model [lsearch -all -inline -not -exact $model $e]
                            assert_equal $n [expr {$before - [llength $model]}]
                        }
                    }
                    7 {
                        if {$len > 4} {
                            r ltrim l 1 -2
                            set model [lrange $model 1 end-1]
                        }
                    }
                    8 {
                        if {$len} {
                            set idx [expr {int(rand()*$len)}]
                            assert_equal [r lindex l $idx] [lindex $model $idx]
                        }
                    }
                }
                if {$i % 50 == 0} {
                    assert_equal [r lrange l 0 -1] $model
                }
            }
            assert_equal [r llen l] [llength $model]
            assert_equal [r lrange l 0 -1] $model
            if {[llength $model]} {
                assert_equal [r lindex l -1] [lindex $model end]
            }
            r config set list-max-listpack-size -2
            r config set list-compress-depth 0
        }
    }

    test {Compressed inner nodes are reported by DEBUG OBJECT and read back} {
        r config set list-max-listpack-size 16
        r config set list-compress-depth 1
        r del l
        for {set i 0} {$i < 200} {incr i} {r rpush l "element-$i-[string repeat x 40]"}
        assert_match {*ql_nodes:13*ql_compressed:1*} [r debug object l]
        assert_equal [r lindex l 100] "element-100-[string repeat x 40]"
        assert_equal [llength [r lrange l 0 -1]] 200
        set d1 [r debug digest-value l]
        r config set list-compress-depth 0
        r copy l l2
        assert_equal [r debug digest-value l2] $d1
        r config set list-max-listpack-size -2
    }

    test {Elements over the packed threshold get plain nodes} {
        r debug quicklist-packed-threshold 100
        r del l
        set big [string repeat b 500]
        r rpush l a $big c
        r linsert l before c $big
        r lset l 0 $big
        assert_equal [r lrange l 0 -1] [list $big $big $big c]
        assert_equal [r lpos l $big COUNT 0] {0 1 2}
        assert_equal [r lrem l 2 $big] 2
        assert_equal [r lrange l 0 -1] [list $big c]
        r debug quicklist-packed-threshold 0
    }

    test {Large values round trip} {
        r del l
        set v1 [string repeat a 100000]
        set v2 [string repeat b 5000000]
        r rpush l $v1 x $v2
        assert_equal [r lindex l 2] $v2
        assert_equal [r lpop l] $v1
        assert_equal [r rpop l] $v2
        assert_equal [r lrange l 0 -1] {x}
    }

    test {LPOS RANK, COUNT and MAXLEN together} {
        r del l
        r rpush l a b c a b c a b c
        assert_equal [r lpos l c RANK -1 COUNT 2] {8 5}
        assert_equal [r lpos l c RANK 2 COUNT 0 MAXLEN 9] {5 8}
        assert_equal [r lpos l c MAXLEN 2] {}
        assert_equal [r lpos l a RANK -1 MAXLEN 1] {}
        assert_equal [r lpos l c RANK -1 MAXLEN 1] {8}
        assert_equal [r lpos l b RANK 4] {}
    }

    test {MEMORY USAGE grows with the list} {
        r del l
        r rpush l a
        set small [r memory usage l]
        for {set i 0} {$i < 1000} {incr i} {r rpush l "value$i"}
        assert_morethan [r memory usage l] [expr {$small + 5000}]
    }

    test {DEL, UNLINK and FLUSHALL free lists} {
        r config set list-max-listpack-size 2
        r del l l2
        for {set i 0} {$i < 2000} {incr i} {r rpush l $i}
        r copy l l2
        assert_equal [r unlink l] 1
        assert_equal [r llen l2] 2000
        r flushall
        assert_equal [r exists l2] 0
        r config set list-max-listpack-size -2
    }

    # ---- blocking ----

    test {BLPOP blocks until a push, then returns key and element} {
        r del b1 b2
        set rd [redis_deferring_client]
        $rd blpop b1 b2 0
        wait_blocked 1
        r rpush b2 x y
        assert_equal [$rd read] {b2 x}
        assert_equal [r lrange b2 0 -1] {y}
        wait_blocked 0
        $rd close
    }

    test {CLIENT LIST shows the b flag of a blocked client} {
        set rd [redis_deferring_client]
        $rd client id
        set id [$rd read]
        $rd brpop nokey 0
        wait_blocked 1
        assert_match {*flags=b*cmd=brpop*} [r client list id $id]
        r client unblock $id
        assert_equal [$rd read] {}
        $rd close
    }

    test {Blocked clients are served in FIFO order} {
        r del q
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        set c3 [redis_deferring_client]
        $c1 blpop q 0
        wait_blocked 1
        $c2 brpop q 0
        wait_blocked 2
        $c3 blpop q 0
        wait_blocked 3
        r rpush q a b
        assert_equal [$c1 read] {q a}
        assert_equal [$c2 read] {q b}
        wait_blocked 1
        r lpush q c
        assert_equal [$c3 read] {q c}
        assert_equal [r exists q] 0
        $c1 close; $c2 close; $c3 close
    }

    test {BLPOP with the same key several times (issue #801)} {
        r del k
        set rd [redis_deferring_client]
        $rd blpop k k k 0
        wait_blocked 1
        r rpush k v
        assert_equal [$rd read] {k v}
        $rd close
    }

    test {BLPOP times out with a null reply (decimal seconds)} {
        set rd [redis_deferring_client]
        set t0 [clock milliseconds]
        $rd blpop nokey 0.2
        assert_equal [$rd read] {}
        assert_morethan_equal [expr {[clock milliseconds] - $t0}] 190
        assert_equal [s clients_in_timeout_table] 0
        $rd close
    }

    test {clients_in_timeout_table counts only clients with a timeout} {
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        $c1 blpop nokey 0
        $c2 blpop nokey 100
        wait_blocked 2
        assert_equal [s clients_in_timeout_table] 1
        r rpush nokey a b
        assert_equal [$c1 read] {nokey a}
        assert_equal [$c2 read] {nokey b}
        assert_equal [s clients_in_timeout_table] 0
        $c1 close; $c2 close
    }

    test {A pushed list first seen by a blocked client inside MULTI/EXEC: isolated} {
        r del blist
        set rd [redis_deferring_client]
        $rd blpop blist 0
        wait_blocked 1
        r multi
        r lpush blist a
        r lpush blist b
        r lpush blist c
        r exec
        assert_equal [$rd read] {blist c}
        assert_equal [r lrange blist 0 -1] {b a}
        $rd close
    }

    test {The first key made ready serves a client blocked on several} {
        r del k1 k2
        set rd [redis_deferring_client]
        $rd blpop k1 k2 0
        wait_blocked 1
        r multi
        r rpush k2 x
        r rpush k1 y
        r exec
        assert_equal [$rd read] {k2 x}
        $rd close
    }

    test {BLMOVE / BRPOPLPUSH: served clients push to the destination} {
        r del src dst
        set rd [redis_deferring_client]
        $rd blmove src dst RIGHT LEFT 0
        wait_blocked 1
        r rpush src a b
        assert_equal [$rd read] {b}
        assert_equal [r lrange dst 0 -1] {b}
        $rd brpoplpush src dst 0
        assert_equal [$rd read] {a}
        assert_equal [r lrange dst 0 -1] {a b}
        assert_equal [r exists src] 0
        $rd close
    }

    test {Chained BLMOVE: a served move wakes a client blocked on the destination} {
        r del a b c
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        $c1 blmove a b LEFT LEFT 0
        wait_blocked 1
        $c2 blpop b 0
        wait_blocked 2
        r rpush a v
        assert_equal [$c1 read] {v}
        assert_equal [$c2 read] {b v}
        assert_equal [r exists a b] 0
        $c1 close; $c2 close
    }

    test {BLMOVE with a wrong-type destination: the served client gets WRONGTYPE} {
        r del src dst
        r set dst str
        set rd [redis_deferring_client]
        $rd blmove src dst LEFT LEFT 0
        wait_blocked 1
        r rpush src v
        assert_error {WRONGTYPE*} {$rd read}
        assert_equal [r lrange src 0 -1] {v}
        r del dst
        $rd close
    }

    test {BLMPOP pops up to COUNT from the key that got data} {
        r del m1 m2
        set rd [redis_deferring_client]
        $rd blmpop 0 2 m1 m2 RIGHT COUNT 2
        wait_blocked 1
        r rpush m2 a b c
        assert_equal [$rd read] {m2 {c b}}
        assert_equal [r lrange m2 0 -1] {a}
        $rd close
    }

    test {A key of another type does not serve list waiters; a list then does} {
        r del k
        set rd [redis_deferring_client]
        $rd blpop k 0
        wait_blocked 1
        r set k str
        r del k
        wait_blocked 1
        r rpush k v
        assert_equal [$rd read] {k v}
        $rd close
    }

    test {CLIENT UNBLOCK: TIMEOUT gives a null reply, ERROR the UNBLOCKED error} {
        set rd [redis_deferring_client]
        $rd client id
        set id [$rd read]
        $rd blpop nokey 0
        wait_blocked 1
        assert_equal [r client unblock $id timeout] 1
        assert_equal [$rd read] {}
        $rd blmpop 0 1 nokey LEFT
        wait_blocked 1
        assert_equal [r client unblock $id error] 1
        assert_error {UNBLOCKED client unblocked via CLIENT UNBLOCK} {$rd read}
        assert_equal [r client unblock $id] 0
        assert_equal [r client unblock 999999] 0
        $rd close
    }

    test {A blocked client runs its pipelined commands once served} {
        r del k
        set rd [redis_deferring_client]
        $rd blpop k 0
        $rd ping
        wait_blocked 1
        r rpush k v
        assert_equal [$rd read] {k v}
        assert_equal [$rd read] {PONG}
        $rd close
    }

    test {A blocked client that disconnects leaves no waiters behind} {
        set rd [redis_deferring_client]
        $rd blpop gone 0
        wait_blocked 1
        $rd close
        wait_blocked 0
        r rpush gone v
        assert_equal [r lrange gone 0 -1] {v}
    }

    test {Blocking commands count in commandstats when served} {
        r config resetstat
        set rd [redis_deferring_client]
        $rd brpop statkey 0
        wait_blocked 1
        r rpush statkey v
        $rd read
        assert_match {*calls=1,*} [r info commandstats]
        assert_match {*cmdstat_brpop:calls=1*} [r info commandstats]
        $rd close
    }

    test {Keyspace events for list commands} {
        r config set notify-keyspace-events KEA
        set events {}
        # Without Pub/Sub here we only check the commands do not fail.
        r del k
        r rpush k a b
        r lpop k
        r rpop k
        assert_equal [r exists k] 0
        r config set notify-keyspace-events ""
    }

    test {WATCH sees list modifications} {
        r del w
        r rpush w a
        r watch w
        r rpush w b
        r multi
        r lpop w
        assert_equal [r exec] {}
        r watch w
        r lrange w 0 -1
        r multi
        r lpop w
        assert_equal [r exec] {a}
    }

    test {BLPOP is served when a list is renamed into place} {
        r del foo bob
        set rd [redis_deferring_client]
        $rd blpop foo 5
        wait_blocked 1
        r lpush bob abc def hij
        r rename bob foo
        assert_equal [$rd read] {foo hij}
        $rd close
    }

    test {Circular and self-referential BRPOPLPUSH} {
        r del list1 list2 blist
        set rd1 [redis_deferring_client]
        set rd2 [redis_deferring_client]
        $rd1 brpoplpush list1 list2 0
        wait_blocked 1
        $rd2 brpoplpush list2 list1 0
        wait_blocked 2
        r rpush list1 foo
        assert_equal [$rd1 read] {foo}
        assert_equal [$rd2 read] {foo}
        assert_equal [r lrange list1 0 -1] {foo}
        assert_equal [r exists list2] 0
        $rd1 brpoplpush blist blist 0
        wait_blocked 1
        r rpush blist bar
        assert_equal [$rd1 read] {bar}
        assert_equal [r lrange blist 0 -1] {bar}
        $rd1 close; $rd2 close
    }

    test {BRPOPLPUSH: a wrong-type target fails one waiter, the next is served} {
        r del blist target1 target2
        r set target1 nolist
        set rd1 [redis_deferring_client]
        set rd2 [redis_deferring_client]
        $rd1 brpoplpush blist target1 0
        wait_blocked 1
        $rd2 brpoplpush blist target2 0
        wait_blocked 2
        r lpush blist foo
        assert_error {WRONGTYPE*} {$rd1 read}
        assert_equal [$rd2 read] {foo}
        assert_equal [r lrange target2 0 -1] {foo}
        $rd1 close; $rd2 close
    }

    test {A push by a served BRPOPLPUSH invalidates WATCH on the target} {
        r del srclist dstlist
        set blocked [redis_deferring_client]
        set watching [redis_deferring_client]
        $blocked brpoplpush srclist dstlist 0
        wait_blocked 1
        $watching watch dstlist
        $watching read
        $watching multi
        $watching read
        $watching ping
        $watching read
        r lpush srclist element
        $watching exec
        assert_equal [$watching read] {}
        $blocked close; $watching close
    }

    test {Blocking commands are accounted once in commandstats after a timeout} {
        r config resetstat
        set rd [redis_deferring_client]
        $rd blpop mylist 0.01
        assert_equal [$rd read] {}
        assert_match {*cmdstat_blpop:calls=1,*,rejected_calls=0,failed_calls=0*} [r info commandstats]
        $rd close
    }

    test {SWAPDB wakes clients blocked on a key that now exists} {
        r select 1
        r del sw
        r rpush sw v
        r select 0
        r del sw
        set rd [redis_deferring_client]
        $rd blpop sw 0
        wait_blocked 1
        r swapdb 0 1
        assert_equal [$rd read] {sw v}
        r swapdb 0 1
        $rd close
    }

    test {Random blocking, pushing, unblocking and disconnecting stays consistent} {
        r flushall
        r config set list-max-listpack-size 2
        r config set list-compress-depth 1
        set clients {}
        for {set i 0} {$i < 8} {incr i} {
            set rd [redis_deferring_client]
            $rd client id
            lappend clients [list $rd [$rd read]]
        }
        set keys {k0 k1 k2}
        set pending 0
        for {set round 0} {$round < 30} {incr round} {
            foreach pair $clients {
                lassign $pair rd id
                set k1 [lindex $keys [expr {int(rand()*3)}]]
                set k2 [lindex $keys [expr {int(rand()*3)}]]
                switch [expr {int(rand()*5)}] {
                    0 {$rd blpop $k1 $k2 0}
                    1 {$rd brpop $k1 0.05}
                    2 {$rd blmove $k1 $k2 LEFT RIGHT 0}
                    3 {$rd blmpop 0 2 $k1 $k2 RIGHT COUNT 2}
                    4 {$rd brpoplpush $k1 $k2 0.02}
                }
            }
            for {set j 0} {$j < 6} {incr j} {
                r rpush [lindex $keys [expr {int(rand()*3)}]] a b c
            }
            foreach pair $clients {
                lassign $pair rd id
                r client unblock $id
            }
            foreach pair $clients {
                lassign $pair rd id
                catch {$rd read}
            }
        }
        wait_blocked 0
        # Disconnect clients while blocked.
        r del k0 k1 k2
        foreach pair $clients {
            lassign $pair rd id
            $rd blpop k0 k1 k2 nokey 0
        }
        wait_blocked 8
        foreach pair $clients {lassign $pair rd id; $rd close}
        wait_blocked 0
        r rpush k0 x
        assert_equal [r lrange k0 0 -1] {x}
        assert_equal [s clients_in_timeout_table] 0
        r config set list-max-listpack-size -2
        r config set list-compress-depth 0
    }
}
