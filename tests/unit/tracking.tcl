# Client side caching invalidations (src/tracking.c): default mode with
# RESP3 pushes and RESP2 redirection, BCAST prefixes, OPTIN/OPTOUT, NOLOOP,
# flushes, expiry, tracking-table-max-keys. Connection state alone is in
# tests/unit/client_tracking.tcl. Runs unchanged against stock
# (--server /usr/bin/redis-server), which is how it was checked.

start_server {tags {tracking}} {
    # A RESP3 client with tracking on (extra options in args).
    proc resp3_tracking {args} {
        set c [redis_client]
        $c hello 3
        $c client tracking on {*}$args
        return $c
    }

    # A RESP2 client subscribed to the invalidation channel, and its id.
    proc redirect_target {} {
        set t [redis_deferring_client]
        $t client id
        set id [$t read]
        $t subscribe __redis__:invalidate
        $t read
        return [list $t $id]
    }

    test {RESP3: a key read then modified by another client is invalidated once} {
        r flushall
        set c [resp3_tracking]
        $c get k1
        $c mget k2 k3
        r set k1 v
        assert_equal [$c read] {invalidate k1}
        r set k2 v
        assert_equal [$c read] {invalidate k2}
        # Consumed: a second change is not reported until k1 is read again.
        r set k1 v2
        assert_equal [$c ping] PONG   ;# nothing was queued before it
        $c close
    }

    test {The modifying client's own invalidation follows its reply, also after EXEC} {
        set c [resp3_tracking]
        $c get k
        $c deferred 1
        $c set k v
        assert_equal [$c read] OK
        assert_equal [$c read] {invalidate k}
        $c get k
        $c read
        $c multi
        $c read
        $c set k v2
        $c read
        $c get k
        $c read
        $c exec
        assert_equal [$c read] {OK v2}
        assert_equal [$c read] {invalidate k}
        $c close
    }

    test {Write commands do not track the keys they touch} {
        set c [resp3_tracking]
        $c incr counter
        r incr counter
        assert_equal [$c ping] PONG
        $c close
    }

    test {RESP2 REDIRECT: messages on __redis__:invalidate} {
        lassign [redirect_target] t tid
        r client tracking on redirect $tid
        r get rk
        set other [redis_client]
        $other set rk 1
        assert_equal [$t read] {message __redis__:invalidate rk}
        $other flushall
        assert_equal [$t read] {message __redis__:invalidate {}}
        r client tracking off
        $other close
        $t close
    }

    test {REDIRECT to a RESP3 client: pushes there, nothing on the tracking one} {
        set t [redis_client]
        $t hello 3
        set tid [$t client id]
        r client tracking on redirect $tid
        r get r3k
        set other [redis_client]
        $other set r3k 1
        assert_equal [$t read] {invalidate r3k}
        assert_equal [r ping] PONG
        r client tracking off
        $other close
        $t close
    }

    test {Evicted keys are invalidated} {
        r flushall
        set c [resp3_tracking]
        r set ev1 [string repeat x 1000]
        $c get ev1
        r config set maxmemory-policy allkeys-random
        r config set maxmemory 1
        catch {r set ev2 y}
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        assert_equal [$c read] {invalidate ev1}
        $c close
    }

    test {A broken redirection is reported to a RESP3 client} {
        set t [redis_client]
        set tid [$t client id]
        set c [resp3_tracking redirect $tid]
        $c get bk
        $t close
        wait_for_condition 50 20 {![string match "*id=$tid *" [r client list]]} else {
            fail "target not gone"
        }
        r set bk 1
        assert_equal [$c read] [list tracking-redir-broken $tid]
        assert_match {*broken_redirect*} [dict get [$c client trackinginfo] flags]
        $c close
    }

    test {Invalidations reach a client with CLIENT REPLY OFF} {
        set c [redis_deferring_client]
        $c hello 3
        $c read
        $c client tracking on
        $c read
        $c client reply off
        $c get quietkey
        $c client reply on   ;# its OK tells the GET was processed
        assert_equal [$c read] OK
        $c client reply off
        r set quietkey 1
        assert_equal [$c read] {invalidate quietkey}
        $c close
    }

    test {NOLOOP: no invalidation for the client's own writes} {
        set c [resp3_tracking noloop]
        $c get nl
        $c set nl v
        assert_equal [$c ping] PONG
        $c get nl2
        r set nl2 v
        assert_equal [$c read] {invalidate nl2}
        $c close
    }

    test {OPTIN tracks only after CLIENT CACHING yes, for one command} {
        set c [resp3_tracking optin]
        $c get a
        $c client caching yes
        $c get b
        $c get c
        r mset a 1 b 1 c 1
        assert_equal [$c read] {invalidate b}
        assert_equal [$c ping] PONG
        $c close
    }

    test {OPTOUT tracks everything but the command after CLIENT CACHING no} {
        set c [resp3_tracking optout]
        $c client caching no
        $c get a
        $c get b
        r mset a 2 b 2
        assert_equal [$c read] {invalidate b}
        $c close
    }

    test {BCAST: keys under the prefixes, batched per prefix in byte order} {
        set c [resp3_tracking bcast prefix user: prefix obj:]
        r mset user:2 a user:1 b obj:9 c other d
        set got [list [$c read] [$c read]]
        assert_equal [lsort $got] [lsort [list [list invalidate obj:9] [list invalidate {user:1 user:2}]]]
        assert_equal [s tracking_total_prefixes] 2
        $c close
        set all [resp3_tracking bcast]
        r set anything 1
        assert_equal [$all read] {invalidate anything}
        $all close
    }

    test {BCAST with NOLOOP leaves out the client's own keys} {
        set c [resp3_tracking bcast noloop]
        $c set mine 1
        r set theirs 1
        assert_equal [$c read] {invalidate theirs}
        $c close
    }

    test {FLUSHALL and FLUSHDB send a null invalidation, even to BCAST clients} {
        set c [resp3_tracking]
        set b [resp3_tracking bcast]
        r flushdb
        assert_equal [$c read] {invalidate {}}
        assert_equal [$b read] {invalidate {}}
        assert_equal [$c flushall] OK
        assert_equal [$c read] {invalidate {}}
        assert_equal [$b read] {invalidate {}}
        $c close
        $b close
    }

    test {Expired keys are invalidated} {
        set c [resp3_tracking]
        r psetex ek 50 v
        $c get ek
        assert_equal [$c read] {invalidate ek}
        $c close
    }

    test {INFO counts tracked keys and items} {
        r flushall
        set c1 [resp3_tracking]
        set c2 [resp3_tracking]
        $c1 mget x y
        $c2 get x
        assert_equal [s tracking_total_keys] 2
        assert_equal [s tracking_total_items] 3
        r set x 1
        assert_equal [$c1 read] {invalidate x}
        assert_equal [$c2 read] {invalidate x}
        assert_equal [s tracking_total_keys] 1
        assert_equal [s tracking_total_items] 1
        $c1 close
        $c2 close
        r flushall
        assert_equal [s tracking_total_keys] 0
    }

    test {tracking-table-max-keys invalidates keys to stay under the limit} {
        r config set tracking-table-max-keys 2
        set c [resp3_tracking]
        $c mget k1 k2 k3 k4 k5
        # The next command trims the table (its reply follows the pushes).
        $c deferred 1
        $c ping
        set msgs {}
        while 1 {
            set m [$c read]
            if {$m eq "PONG"} break
            lappend msgs $m
        }
        assert_equal [llength $msgs] 3
        assert_lessthan_equal [s tracking_total_keys] 2
        r config set tracking-table-max-keys 1000000
        $c close
    }

    test {A client that switched to BCAST gets no stale per-key invalidations} {
        set c [resp3_tracking]
        $c get sw
        $c client tracking off
        $c client tracking on bcast prefix zz
        r set sw 1
        r set zz1 1
        assert_equal [$c read] {invalidate zz1}
        $c close
    }
}
