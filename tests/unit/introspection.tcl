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
    # Value of one field of a CLIENT LIST / CLIENT INFO line.
    proc client_field {line field} {
        if {![regexp "(^| )$field=(\\S*)" $line -> _ v]} {fail "no $field in $line"}
        return $v
    }

    test {CLIENT PAUSE WRITE also holds writes queued inside MULTI} {
        r del k
        r client pause 100000 write
        set c [redis_deferring_client]
        $c multi
        assert_equal OK [$c read]
        $c set k v
        # The SET is blocked before being queued: CLIENT LIST shows it.
        wait_for_condition 50 10 {
            [regexp {flags=x?b\S* .*cmd=set } [r client list type normal]]
        } else {
            r client unpause
            fail "SET inside MULTI was not paused"
        }
        r multi
        r get k
        assert_equal {{}} [r exec]    ;# read-only EXEC runs during the pause
        r client unpause
        assert_equal QUEUED [$c read]
        $c exec
        assert_equal OK [$c read]
        assert_equal v [r get k]
        $c close
    }

    test {CLIENT PAUSE: a later, weaker or shorter pause does not shorten it} {
        r client pause 600 write
        r client pause 50 all
        set c [redis_deferring_client]
        set start [clock milliseconds]
        $c ping
        assert_equal PONG [$c read]
        # ALL for the longest of the two durations.
        assert_morethan_equal [expr {[clock milliseconds] - $start}] 450
        $c close
    }

    test {CLIENT KILL of oneself: the reply arrives, then the connection closes} {
        set c [redis_client]
        set id [$c client id]
        assert_equal 0 [$c client kill id $id]
        assert_equal 1 [$c client kill id $id skipme no]
        assert_error {*} {$c ping}
        set c [redis_client]
        set addr [client_field [$c client info] addr]
        assert_equal OK [$c client kill $addr]
        assert_error {*} {$c ping}
    }

    test {CLIENT LIST multi= counts queued commands, multi-mem their arguments} {
        set c [redis_client]
        set id [$c client id]
        assert_equal -1 [client_field [r client list id $id] multi]
        $c multi
        assert_equal 0 [client_field [r client list id $id] multi]
        assert_equal 0 [client_field [r client list id $id] multi-mem]
        $c set a [string repeat x 100]
        $c get a
        set line [r client list id $id]
        assert_equal 2 [client_field $line multi]
        # "set" "a" 100 bytes, "get" "a": bytes plus one pointer per argument
        assert_equal [expr {3+1+100 + 3+1 + 5*8}] [client_field $line multi-mem]
        assert_match {*x*} [client_field $line flags]
        $c exec
        assert_equal -1 [client_field [r client list id $id] multi]
        $c close
    }

    test {CLIENT LIST fields and their order} {
        set line [r client info]
        set names {}
        foreach kv [split [string trim $line]] {lappend names [lindex [split $kv =] 0]}
        assert_equal {id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp} $names
        assert_equal client|info [client_field $line cmd]
        assert_equal 10 [client_field $line argv-mem]
        assert_equal 26 [client_field $line qbuf]
    }

    test {MONITOR shows commands run by EXEC before the EXEC, and the db after SELECT} {
        set m [redis_deferring_client]
        $m monitor
        assert_equal OK [$m read]
        set c [redis_client]
        $c select 2
        $c multi
        $c set x 1
        $c incr x
        $c exec
        $c select 9
        catch {$c nosuchcommand}
        $c config get maxmemory
        $c echo END
        set lines {}
        while 1 {
            set l [$m read]
            regsub {^\d+\.\d+ \[(\d+) [^\]]*\] } $l {\1 } l
            lappend lines $l
            if {[string match *END* $l]} break
        }
        assert_equal {{2 "select" "2"} {2 "multi"} {2 "set" "x" "1"} {2 "incr" "x"} {2 "exec"} {9 "select" "9"} {9 "echo" "END"}} $lines
        $c close
        $m close
    }

    test {LATENCY GRAPH and DOCTOR describe recorded spikes} {
        r config set latency-monitor-threshold 5
        r latency reset
        r debug sleep 0.02
        set latest [lindex [r latency latest] 0]
        assert_equal command [lindex $latest 0]
        assert_range [lindex $latest 2] 20 1000
        set graph [split [r latency graph command] "\n"]
        assert_match {command - high * ms, low * ms (all time high * ms)} [lindex $graph 0]
        assert_equal [string repeat - 80] [lindex $graph 1]
        # A single sample sits at the bottom: "_", then a blank row and
        # its age written vertically ("0s", maybe "1s").
        assert_equal {{ } { } { } _ { } *} [lrange [lmap l [lrange $graph 2 7] {
            if {[regexp {^\d$} $l]} {set l *} else {set l}
        }] 0 5]
        assert_equal s [lindex $graph 8]
        set doc [r latency doctor]
        assert_match "Dave, I have observed latency spikes*1. command: 1 latency spikes (average *ms, mean deviation 0ms, period 1.00 sec). Worst all time event *ms.*I have a few advices for you:*CONFIG SET slowlog-log-slower-than 5000*Check your Slow Log*large objects*" $doc
        r config set slowlog-log-slower-than -1
        assert_match "*Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 5000'*" [r latency doctor]
        r config set slowlog-log-slower-than 10000
        assert_equal 1 [r latency reset command]
        assert_equal {} [r latency latest]
        assert_error {*No samples available for event 'command'*} {r latency graph command}
        r config set latency-monitor-threshold 0
    }

    test {LATENCY HISTOGRAM: a map per command of calls and cumulative buckets} {
        r config resetstat
        r set a 1
        r set a 2
        r get a
        r hello 3
        set h [r latency histogram set get nosuchcommand]
        assert_equal {set get} [dict keys $h]
        assert_equal {calls histogram_usec} [dict keys [dict get $h set]]
        assert_equal 2 [dict get $h set calls]
        set buckets [dict get $h set histogram_usec]
        # Growing bucket limits (powers of two up to 16us, then as stock's
        # 33, 66, 132...), cumulative counts ending at calls.
        set prev 0
        foreach {limit count} $buckets {
            assert_morethan $limit $prev
            set prev $limit
        }
        assert_equal 2 [lindex $buckets end]
        r hello 2
        r config set latency-tracking no
        r config resetstat
        r set a 3
        assert_equal {} [r latency histogram set]
        r config set latency-tracking yes
    }

    test {INFO latencystats prints configured percentiles with three decimals} {
        r config resetstat
        r set a 1
        r config set latency-tracking-info-percentiles "50 99.9 100"
        set info [r info latencystats]
        assert_match "*latency_percentiles_usec_set:p50=*,p99.9=*,p100=*" $info
        assert {[regexp {latency_percentiles_usec_set:p50=\d+\.\d{3},p99\.9=\d+\.\d{3},p100=\d+\.\d{3}} $info]}
        r config set latency-tracking-info-percentiles "50 99 99.9"
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
