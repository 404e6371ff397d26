# CLIENT TRACKING connection state (mode flags, redirection, prefixes) as
# CLIENT LIST / TRACKINGINFO / GETREDIR report it, plus RESET and HELLO
# details that need several connections or a password. Single-connection
# replies are compared byte for byte with stock in tests/diff/client_tracking.txt;
# invalidation messages are tested in tests/unit/tracking.tcl.

proc client_field {info field} {
    lindex [regexp -inline "$field=(\\S*)" $info] 1
}

start_server {tags {introspection tracking}} {
    test {TRACKING REDIRECT shows in GETREDIR, TRACKINGINFO and CLIENT LIST} {
        set target [redis_client]
        set tid [$target client id]
        assert_equal OK [r client tracking on redirect $tid]
        assert_equal $tid [r client getredir]
        assert_equal $tid [dict get [r client trackinginfo] redirect]
        set info [r client info]
        assert_equal t [client_field $info flags]
        assert_equal $tid [client_field $info redir]
        # ON again without REDIRECT drops the redirection.
        assert_equal OK [r client tracking on]
        assert_equal 0 [r client getredir]
        assert_equal OK [r client tracking off]
        assert_equal -1 [r client getredir]
        assert_equal -1 [client_field [r client info] redir]
        $target close
    }

    test {TRACKING REDIRECT to a closed client is refused} {
        set target [redis_client]
        set tid [$target client id]
        $target close
        wait_for_condition 50 10 {
            [string first "id=$tid " [r client list]] == -1
        } else {
            fail "client $tid still listed"
        }
        assert_error {*redirect to does not exist*} {r client tracking on redirect $tid}
    }

    test {BCAST mode: flag B, prefixes accumulate and stay sorted} {
        assert_equal OK [r client tracking on bcast prefix user: prefix cart:]
        assert_equal OK [r client tracking on bcast prefix order:]
        assert_equal tB [client_field [r client info] flags]
        set ti [r client trackinginfo]
        assert_equal {on bcast} [dict get $ti flags]
        assert_equal {cart: order: user:} [dict get $ti prefixes]
        assert_error {*overlaps with an existing prefix 'user:'*} {r client tracking on bcast prefix user:1}
        assert_equal OK [r client tracking off]
        assert_equal {} [dict get [r client trackinginfo] prefixes]
    }

    test {INFO counts tracking clients and BCAST prefixes} {
        set c [redis_client]
        $c client tracking on bcast prefix a prefix b
        r client tracking on bcast prefix b prefix c
        assert_match "*tracking_clients:2*" [r info clients]
        assert_match "*tracking_total_prefixes:3*" [r info stats]
        $c close
        r client tracking off
    }

    test {RESET turns tracking off but keeps NO-EVICT} {
        r client tracking on optin
        r client no-evict on
        r client setname before-reset
        r select 9
        assert_equal RESET [r reset]
        set info [r client info]
        assert_equal e [client_field $info flags]
        assert_equal -1 [client_field $info redir]
        assert_equal {} [client_field $info name]
        assert_equal 0 [client_field $info db]
        r client no-evict off
    }

    test {tracking state is released with the connection} {
        # Many short-lived BCAST clients: a leak would show in used_memory,
        # a double free would crash the server.
        for {set i 0} {$i < 50} {incr i} {
            set c [redis_client]
            $c client tracking on bcast prefix p$i: prefix q$i:
            $c close
        }
        assert_equal PONG [r ping]
    }
}

start_server {tags {introspection}} {
    test {HELLO applies options left to right, as stock does} {
        r config set requirepass secret
        set c [redis_client]
        # SETNAME is applied before the bad option is found.
        assert_error {*Syntax error in HELLO option 'foo'*} {$c hello 2 setname early foo}
        $c auth secret
        assert_equal early [$c client getname]
        $c close

        # AUTH is applied before a bad SETNAME: the client is logged in.
        set c [redis_client]
        assert_error {*Client names cannot contain spaces*} {$c hello 2 auth default secret setname "a b"}
        assert_equal PONG [$c ping]
        $c close

        # A bad SETNAME before AUTH stops HELLO before the AUTH.
        set c [redis_client]
        assert_error {*Client names cannot contain spaces*} {$c hello 2 setname "a b" auth default secret}
        assert_error {NOAUTH*} {$c ping}
        $c close
        r auth secret
        r config set requirepass ""
    }

    test {HELLO without AUTH on a password protected server: stock's NOAUTH text} {
        r config set requirepass secret
        set c [redis_client]
        catch {$c hello 3} err
        assert_equal {NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time} $err
        $c close
        r auth secret
        r config set requirepass ""
    }

    test {CLIENT UNBLOCK of a client held by CLIENT PAUSE replies 0 and leaves it paused} {
        # (stock 7.0.15 crashes on this one; we just decline.)
        set w [redis_deferring_client]
        $w client id
        set w_id [$w read]
        r client pause 100000 write
        $w set k v
        after 50
        assert_equal 0 [r client unblock $w_id]
        r client unpause
        assert_equal OK [$w read]
        $w close
    }
}
