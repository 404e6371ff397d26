# Transactions (src/multi.c): MULTI/EXEC/DISCARD and WATCH across clients,
# expiry, FLUSHDB/FLUSHALL/SWAPDB. Single-connection replies are compared
# with stock in tests/diff/multi.txt; here what needs several clients or time.
source [file join $::tests_root support diff.tcl]

# Flags and multi= fields of a client as CLIENT LIST shows them.
proc client_multi_fields {observer id} {
    set line [$observer client list id $id]
    regexp {flags=(\S+)} $line -> flags
    regexp {multi=(\S+)} $line -> multi
    return [list $flags $multi]
}

start_server {tags {multi}} {
    test {EXEC runs the queue and resets the MULTI state} {
        r flushall
        assert_equal OK [r multi]
        assert_equal QUEUED [r set a 1]
        assert_equal QUEUED [r incr a]
        assert_equal QUEUED [r get a]
        assert_equal {OK 2 2} [r exec]
        # Not in MULTI any more: commands run at once.
        assert_equal 3 [r incr a]
        assert_error {ERR EXEC without MULTI} {r exec}
        assert_error {ERR DISCARD without MULTI} {r discard}
    }

    test {EXEC replies carry per-command errors, the others still run} {
        needs_commands lpush
        r flushall
        r set s notanumber
        set fd [diff_connect [srv host] [srv port]]
        diff_send $fd {multi}
        diff_send $fd {incr s}
        diff_send $fd {set t 1}
        diff_send $fd {lpush s x}
        diff_send $fd {incr t}
        set reply [diff_send $fd {exec}]
        close $fd
        assert_equal "*4\r\n-ERR value is not an integer or out of range\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:2\r\n" $reply
        assert_equal {notanumber 2} [r mget s t]
    }

    test {EXEC with a runtime error (no list type needed)} {
        r flushall
        r set s notanumber
        set fd [diff_connect [srv host] [srv port]]
        diff_send $fd {multi}
        diff_send $fd {incr s}
        diff_send $fd {set t 1}
        diff_send $fd {incrbyfloat s 1}
        diff_send $fd {incr t}
        set reply [diff_send $fd {exec}]
        close $fd
        assert_equal "*4\r\n-ERR value is not an integer or out of range\r\n+OK\r\n-ERR value is not a valid float\r\n:2\r\n" $reply
        assert_equal {notanumber 2} [r mget s t]
    }

    test {A queueing error aborts the whole transaction (EXECABORT)} {
        r flushall
        r multi
        r set a 1
        assert_error {ERR unknown command*} {r nosuchcommand}
        assert_error {ERR wrong number of arguments*} {r set b}
        assert_error {EXECABORT Transaction discarded because of previous errors.} {r exec}
        assert_equal 0 [r exists a b]
        # The state is clean afterwards.
        r multi
        r set a 1
        assert_equal OK [r exec]
    }

    test {MULTI cannot nest and WATCH is refused inside MULTI} {
        r flushall
        r multi
        assert_error {ERR MULTI calls can not be nested} {r multi}
        assert_error {ERR WATCH inside MULTI is not allowed} {r watch a}
        r set a 1
        # Neither error dooms the transaction.
        assert_equal OK [r exec]
        assert_equal 1 [r get a]
    }

    test {DISCARD drops the queue and the WATCHed keys} {
        r flushall
        set other [redis_client]
        r watch k
        r multi
        r set k mine
        assert_equal OK [r discard]
        assert_equal {} [r get k]
        # Not watching any more: another client's write is irrelevant.
        $other set k theirs
        r multi
        r get k
        assert_equal theirs [r exec]
        $other close
    }

    test {Pipelined MULTI/EXEC} {
        r flushall
        set fd [diff_connect [srv host] [srv port]]
        set buf ""
        foreach cmd {{multi} {set p 1} {incr p} {incr p} {get p} {exec} {get p}} {
            append buf [diff_encode $cmd]
        }
        puts -nonewline $fd $buf
        flush $fd
        set replies {}
        for {set i 0} {$i < 7} {incr i} {lappend replies [diff_read_reply $fd]}
        close $fd
        assert_equal [list "+OK\r\n" "+QUEUED\r\n" "+QUEUED\r\n" "+QUEUED\r\n" "+QUEUED\r\n" \
                          "*4\r\n+OK\r\n:2\r\n:3\r\n\$1\r\n3\r\n" "\$1\r\n3\r\n"] $replies
    }

    test {A long queue runs in order} {
        r flushall
        r multi
        for {set i 0} {$i < 1000} {incr i} {r append q [expr {$i % 10}]}
        set res [r exec]
        assert_equal 1000 [llength $res]
        assert_equal {1 2 3} [lrange $res 0 2]
        assert_equal 1000 [lindex $res end]
        assert_equal 1000 [r strlen q]
    }

    test {CLIENT LIST shows flags=x and multi=N during MULTI, d once doomed} {
        r flushall
        set other [redis_client]
        set id [r client id]
        assert_equal {N -1} [client_multi_fields $other $id]
        r multi
        assert_equal {x 0} [client_multi_fields $other $id]
        r set a 1
        r get a
        assert_equal {x 2} [client_multi_fields $other $id]
        r exec
        assert_equal {N -1} [client_multi_fields $other $id]
        r watch a
        $other set a 2
        assert_equal {d -1} [client_multi_fields $other $id]
        r multi
        r ping
        # A doomed transaction does not even queue (stock shows multi=0).
        assert_equal {xd 0} [client_multi_fields $other $id]
        assert_equal {} [r exec]
        assert_equal {N -1} [client_multi_fields $other $id]
        $other close
    }

    test {A client closing in MULTI with WATCHed keys leaves others intact} {
        r flushall
        set gone [redis_client]
        $gone watch a b c
        $gone multi
        $gone set a 1
        $gone close
        r watch a
        r set x 1
        r multi
        r ping
        assert_equal PONG [r exec]
        set other [redis_client]
        r watch a
        $other set a 2
        r multi
        r ping
        assert_equal {} [r exec]
        $other close
    }
}

start_server {tags {multi watch}} {
    test {WATCH: another client's write aborts EXEC, other keys do not} {
        r flushall
        set other [redis_client]
        r set w v
        r watch w
        $other set unrelated x
        r multi
        r ping
        assert_equal PONG [r exec]
        r watch w
        $other set w changed
        r multi
        r set w mine
        assert_equal {} [r exec]
        assert_equal changed [r get w]
        # A write to the same name in another db is a different key.
        r watch w
        $other select 3
        $other set w elsewhere
        r multi
        r get w
        assert_equal changed [r exec]
        $other close
    }

    test {WATCH: writes that leave the value alone still count} {
        r flushall
        set other [redis_client]
        r set w 5
        foreach cmd {{expire w 1000} {persist w} {set w 5} {incrby w 0} {append w ""}} {
            r watch w
            $other {*}$cmd
            r multi
            r ping
            assert_equal {} [r exec] "after $cmd"
        }
        # Failed or read-only commands do not.
        foreach cmd {{persist w} {get w} {exists w} {ttl w} {set w x nx} {expire w 10 xx}} {
            r watch w
            $other {*}$cmd
            r multi
            r ping
            assert_equal PONG [r exec] "after $cmd"
        }
        $other close
    }

    test {WATCH: RENAME, MOVE, COPY and DEL by another client abort} {
        r flushall
        set other [redis_client]
        foreach {setup cmd} {
            {set w v} {rename w w2}
            {set w2 v} {rename w2 w}
            {set w v} {move w 1}
            {set src v} {copy src w replace}
            {set w v} {del w}
            {set w v} {unlink w}
        } {
            r flushall
            $other {*}$setup
            r watch w
            $other {*}$cmd
            r multi
            r ping
            assert_equal {} [r exec] "after $cmd"
        }
        $other close
    }

    test {WATCH: a key that expires after WATCH aborts EXEC (lazy)} {
        r flushall
        r debug set-active-expire 0
        r set w v px 30
        r watch w
        wait_for_condition 50 10 {[r pttl w] == -2} else {fail "not expired"}
        r multi
        r ping
        assert_equal {} [r exec]
        r debug set-active-expire 1
    }

    test {WATCH: a key removed by active expiry after WATCH aborts EXEC} {
        r flushall
        r set w v px 30
        r watch w
        wait_for_condition 100 10 {[r dbsize] == 0} else {fail "not actively expired"}
        r multi
        r ping
        assert_equal {} [r exec]
    }

    test {WATCH: a key already expired at WATCH time does not abort when deleted} {
        r flushall
        set other [redis_client]
        r debug set-active-expire 0
        # Deleted lazily by another client's read.
        r set w v px 1
        after 3
        r watch w
        $other get w
        assert_equal 0 [r dbsize]
        r multi
        r ping
        assert_equal PONG [r exec]
        # Never deleted at all.
        r set w v px 1
        after 3
        r watch w
        r multi
        r ping
        assert_equal PONG [r exec]
        # Deleted by the active cycle.
        r set w v px 1
        after 3
        r watch w
        r debug set-active-expire 1
        wait_for_condition 100 10 {[r dbsize] == 0} else {fail "not actively expired"}
        r multi
        r ping
        assert_equal PONG [r exec]
        # Flushed away.
        r debug set-active-expire 0
        r set w v px 1
        after 3
        r watch w
        $other flushall
        r multi
        r ping
        assert_equal PONG [r exec]
        # But a fresh value written by someone else does abort.
        r set w v px 1
        after 3
        r watch w
        $other set w new
        r multi
        r ping
        assert_equal {} [r exec]
        r debug set-active-expire 1
        $other close
    }

    test {WATCH: FLUSHDB and FLUSHALL abort when the key existed} {
        r flushall
        set other [redis_client]
        foreach flush {{flushdb} {flushall} {flushall async} {flushdb sync}} {
            r set w v
            r watch w
            $other {*}$flush
            r multi
            r ping
            assert_equal {} [r exec] "after $flush"
        }
        # A watched key that did not exist is not modified by a flush.
        r set other v
        r watch w
        $other flushall
        r multi
        r ping
        assert_equal PONG [r exec]
        # Nor is a key when another db is flushed.
        r set w v
        r watch w
        $other select 2
        $other set x y
        $other flushdb
        r multi
        r ping
        assert_equal PONG [r exec]
        $other close
    }

    test {WATCH: SWAPDB aborts when the key exists on either side} {
        r flushall
        set other [redis_client]
        # Exists in the watched db.
        r set w v
        r watch w
        $other swapdb 0 1
        r multi
        r ping
        assert_equal {} [r exec]
        # Missing in the watched db, appears from the other one.
        r select 1
        r flushdb
        r select 0
        r flushdb
        r select 1
        r set w v
        r select 0
        r watch w
        $other swapdb 0 1
        r multi
        r get w
        assert_equal {} [r exec]
        # Missing on both sides: nothing changes.
        r flushall
        r watch w
        $other swapdb 0 1
        r multi
        r ping
        assert_equal PONG [r exec]
        # Swapping two other dbs does not matter.
        r set w v
        r watch w
        $other swapdb 2 3
        r multi
        r ping
        assert_equal PONG [r exec]
        $other close
    }

    test {UNWATCH forgets the keys and a doomed state} {
        r flushall
        set other [redis_client]
        r watch w
        $other set w 1
        assert_equal OK [r unwatch]
        r multi
        r ping
        assert_equal PONG [r exec]
        # EXEC unwatches too, whatever the outcome.
        r watch w
        $other set w 2
        r multi
        r ping
        assert_equal {} [r exec]
        $other set w 3
        r multi
        r ping
        assert_equal PONG [r exec]
        $other close
    }

    test {WATCH many keys, several clients on the same key} {
        r flushall
        set c1 [redis_client]
        set c2 [redis_client]
        set keys {}
        for {set i 0} {$i < 100} {incr i} {lappend keys k$i}
        $c1 watch {*}$keys
        $c2 watch k50 k50 k99
        r set k99 x
        $c1 multi
        $c1 ping
        $c2 multi
        $c2 ping
        assert_equal {} [$c1 exec]
        assert_equal {} [$c2 exec]
        $c1 watch k1
        $c2 watch k2
        r set k2 y
        $c1 multi
        $c1 ping
        $c2 multi
        $c2 ping
        assert_equal PONG [$c1 exec]
        assert_equal {} [$c2 exec]
        $c1 close
        $c2 close
    }
}
