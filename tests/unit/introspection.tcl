# Connection-level behaviour: AUTH/requirepass, HELLO/RESP3, CLIENT PAUSE,
# CLIENT KILL/REPLY/LIST, MONITOR, SLOWLOG and LATENCY, checked
# functionally (fixed replies are compared with stock in tests/diff/).

start_server {tags {introspection}} {
    test {requirepass: NOAUTH until AUTH, then commands work} {
        r config set requirepass secret
        set c [redis_client]
        assert_error {NOAUTH*} {$c get a}
        assert_error {WRONGPASS*} {$c auth wrong}
        assert_equal OK [$c auth secret]
        assert_equal {} [$c get a]
        $c close
        set c [redis_client]
        assert_equal OK [$c auth default secret]
        $c close
        r config set requirepass ""
    }

    test {HELLO 3 switches to RESP3 and reports the connection} {
        set c [redis_client]
        set reply [$c hello 3]
        assert_equal 3 [dict get $reply proto]
        assert_equal redis [dict get $reply server]
        assert_equal 7.0.15 [dict get $reply version]
        assert_equal [$c client id] [dict get $reply id]
        $c close
    }

    test {CLIENT SETNAME shows in CLIENT LIST and CLIENT INFO} {
        r client setname tester
        assert_match "*name=tester*" [r client info]
        assert_match "*name=tester*" [r client list]
        r client setname ""
        assert_equal {} [r client getname]
    }

    test {CLIENT KILL by ID and by ADDR} {
        set c [redis_client]
        set id [$c client id]
        assert_equal 1 [r client kill id $id]
        assert_error {*} {$c ping}
        set c [redis_client]
        set addr [lindex [regexp -inline {addr=(\S+)} [$c client info]] 1]
        assert_equal OK [r client kill $addr]
        assert_error {*} {$c ping}
    }

    test {CLIENT REPLY OFF / SKIP / ON} {
        # Deferred: with replies off there is nothing to wait for.
        set c [redis_deferring_client]
        $c client reply off
        $c set a 1
        $c client reply on
        assert_equal OK [$c read]
        $c get a
        assert_equal 1 [$c read]
        $c client reply skip
        $c set a 2
        $c get a
        assert_equal 2 [$c read]
        $c close
    }

    test {CLIENT PAUSE WRITE holds writes but not reads} {
        r set k before
        r client pause 100000 write
        set w [redis_deferring_client]
        $w set k after
        set reader [redis_client]
        assert_equal before [$reader get k]
        r client unpause
        assert_equal OK [$w read]
        assert_equal after [$reader get k]
        $w close
        $reader close
    }

    test {CLIENT PAUSE ALL holds every command until the timeout} {
        r client pause 300 all
        set c [redis_deferring_client]
        set start [clock milliseconds]
        $c ping
        assert_equal PONG [$c read]
        assert_morethan_equal [expr {[clock milliseconds] - $start}] 200
        $c close
    }

    test {MONITOR streams commands in Redis's format} {
        set m [redis_deferring_client]
        $m monitor
        assert_equal OK [$m read]
        r set monkey "a b"
        set line [$m read]
        assert_match {*\[0 127.0.0.1:*\] "set" "monkey" "a b"} $line
        $m close
    }

    test {SLOWLOG records slow commands with truncated arguments} {
        r config set slowlog-log-slower-than 0
        r slowlog reset
        r client setname slowpoke
        r set [string repeat x 200] v
        set entry [lindex [r slowlog get 1] 0]
        assert_equal slowpoke [lindex $entry 5]
        set args [lindex $entry 3]
        assert_match "*... (72 more bytes)" [lindex $args 1]
        set many [list mset]
        for {set i 0} {$i < 20} {incr i} {lappend many k$i v$i}
        r {*}$many
        set entry [lindex [r slowlog get 1] 0]
        assert_equal 32 [llength [lindex $entry 3]]
        assert_equal "... (10 more arguments)" [lindex [lindex $entry 3] end]
        r config set slowlog-log-slower-than 10000
        r client setname ""
    }

    test {LATENCY monitor records slow events} {
        r config set latency-monitor-threshold 1
        r latency reset
        r debug sleep 0.02
        wait_for_condition 50 20 {
            [llength [r latency latest]] > 0 || [llength [r latency history command]] >= 0
        } else {
            fail "no latency samples"
        }
        r config set latency-monitor-threshold 0
    }

    test {INFO latencystats and LATENCY HISTOGRAM count calls} {
        r config resetstat
        r set a 1
        r set a 2
        set h [r latency histogram set]
        assert_equal 2 [dict get [dict get $h set] calls]
        assert_match "*latency_percentiles_usec_set:p50=*" [r info latencystats]
    }
}

start_server {tags {introspection}} {
    test {passwords are redacted in MONITOR and SLOWLOG} {
        r config set slowlog-log-slower-than 0
        r slowlog reset
        set m [redis_deferring_client]
        $m monitor
        $m read
        set c [redis_client]
        catch {$c auth someuser somepass}
        catch {$c hello 2 auth default anything}
        assert_equal {"auth" "(redacted)" "(redacted)"} [join [lrange [split [$m read] " "] 3 end] " "]
        assert_equal {"hello" "2" "auth" "(redacted)" "(redacted)"} [join [lrange [split [$m read] " "] 3 end] " "]
        set entries [r slowlog get 10]
        set found 0
        foreach e $entries {
            if {[lindex [lindex $e 3] 0] eq "auth"} {
                assert_equal {auth (redacted) (redacted)} [lindex $e 3]
                set found 1
            }
        }
        assert_equal 1 $found
        $c close
        $m close
        r config set slowlog-log-slower-than 10000
    }
}
