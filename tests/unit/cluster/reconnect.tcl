# Reconnection backoff of the cluster bus (src/cluster_reconnect.c): a
# peer's bus port that accepts and drops every connection (a Tcl listener
# put where a killed node listened) sees our attempts spaced out, doubling
# up to min(1 s, node-timeout / 4), while failure detection keeps its
# pace; when the node comes back the link is up again promptly. Stock 7.0,
# for comparison, dials every cron tick (printed, not asserted).
source [file join $::tests_root helpers cluster.tcl]

set ::reconnect_timeout 2000
set ::reconnect_cap [expr {min(1000, $::reconnect_timeout / 4)}]

proc reconnect_accept {chan addr port} {
    lappend ::reconnect_accepts [clock milliseconds]
    close $chan
}

# Listen on port (the killed node's bus port was just freed: retry the
# bind a few times) and return the server socket.
proc reconnect_listen {port} {
    set ::reconnect_accepts {}
    wait_for_condition 50 100 {
        ![catch {socket -server reconnect_accept -myaddr 127.0.0.1 $port} ::reconnect_sock]
    } else {
        fail "cannot listen on $port: $::reconnect_sock"
    }
    return $::reconnect_sock
}

# Intervals in ms between the first n connections the listener accepted
# (the Tcl event loop runs in the condition so accepts are timely).
proc reconnect_intervals {n maxwait_ms} {
    set tries [expr {$maxwait_ms / 10}]
    wait_for_condition $tries 10 {[update; llength $::reconnect_accepts] >= $n} else {
        fail "only [llength $::reconnect_accepts] connection attempts"
    }
    set out {}
    set prev [lindex $::reconnect_accepts 0]
    foreach t [lrange $::reconnect_accepts 1 [expr {$n - 1}]] {
        lappend out [expr {$t - $prev}]
        set prev $t
    }
    return $out
}

# Kill node 1, listen on its bus port, return the first intervals between
# node 0's attempts to reach it.
proc reconnect_kill_and_measure {n maxwait_ms} {
    set port [lindex $::cluster_ports 1]
    exec kill -9 [srv [cluster_level 1] pid]
    cluster_forget_client 1
    set sock [reconnect_listen [expr {$port + 10000}]]
    set intervals [reconnect_intervals $n $maxwait_ms]
    close $sock
    return $intervals
}

start_cluster_nodes {ours ours} {
    test {Reconnection: a dropped peer's attempts are spaced out, failure detection unchanged} {
        cluster_meet_all 2
        cluster_assign_slots 2
        cluster_wait_known 2
        cluster_wait_ok 2
        set ::b_id [R 1 cluster myid]
        set t0 [clock milliseconds]
        set iv [reconnect_kill_and_measure 8 15000]
        puts "    ours: ms between attempts to a port that drops us: $iv (cap $::reconnect_cap ms)"
        # The first retries come fast (one tick, then doubling; the first
        # one or two may have found the port not yet listening) ...
        assert_lessthan [lindex $iv 0] [expr {$::reconnect_cap - 50}]
        # ... and the later ones at the cap (cron ticks are 100 ms, so an
        # interval may end up to a tick over it; never a stock-like 100).
        foreach d [lrange $iv 3 end] {
            assert_morethan_equal $d [expr {$::reconnect_cap - 50}]
            assert_lessthan $d [expr {$::reconnect_cap + 400}]
        }
        # PFAIL still comes after node-timeout from the last answered ping.
        wait_for_condition 100 50 {[string match "*fail?*" [cluster_flags_of 0 $::b_id]]} else {
            fail "node 1 never PFAIL: [cluster_flags_of 0 $::b_id]"
        }
        assert_lessthan [expr {[clock milliseconds] - $t0}] [expr {$::reconnect_timeout + 3000}]
        verify_log_message [cluster_level 0] "*Link to node $::b_id at 127.0.0.1:*failed attempt(s) in a row, next one in $::reconnect_cap ms*" 0
    }

    test {Reconnection: the node that comes back is linked again promptly} {
        set t0 [clock milliseconds]
        restart_server [cluster_level 1]
        wait_for_condition 200 20 {
            [cluster_flags_of 0 $::b_id] eq "master" &&
            [string match "* connected*" [lsearch -inline [split [R 0 cluster nodes] \n] "$::b_id *"]]
        } else {
            fail "node 1 not linked again: [R 0 cluster nodes]"
        }
        set ms [expr {[clock milliseconds] - $t0}]
        puts "    ours: restarted node linked and PFAIL cleared $ms ms after the restart began"
        assert_lessthan $ms [expr {$::reconnect_cap + 2000}]
        # Its own connection to us ended the backoff: no waiting for the cap.
        verify_log_message [cluster_level 0] "*Link to node $::b_id: reconnecting without delay (*" 0
        cluster_wait_ok 2
    }

    test {Reconnection: CLUSTER MEET of a backed-off node's address ends the wait} {
        set port [lindex $::cluster_ports 1]
        set iv [reconnect_kill_and_measure 6 15000]
        assert_morethan_equal [lindex $iv end] [expr {$::reconnect_cap - 50}]
        set sock [reconnect_listen [expr {$port + 10000}]]
        R 0 cluster meet 127.0.0.1 $port
        # The handshake node and the known node are both dialled now: two
        # connections well within one backoff period.
        set t0 [clock milliseconds]
        wait_for_condition 100 10 {[update; llength $::reconnect_accepts] >= 2} else {
            fail "no immediate attempts after CLUSTER MEET"
        }
        assert_lessthan [expr {[clock milliseconds] - $t0}] [expr {$::reconnect_cap}]
        verify_log_message [cluster_level 0] "*Link to node $::b_id: reconnecting without delay (CLUSTER MEET of its address)*" 0
        close $sock
        restart_server [cluster_level 1]
        cluster_wait_ok 2
    }
} [list cluster-node-timeout $::reconnect_timeout loglevel verbose]

if {[file executable $::stock_server]} {
    start_cluster_nodes [list $::stock_server $::stock_server] {
        test {Reconnection baseline: stock 7.0 dials a dropped peer every cron tick} {
            cluster_meet_all 2
            cluster_assign_slots 2
            cluster_wait_known 2
            cluster_wait_ok 2
            set iv [reconnect_kill_and_measure 8 15000]
            puts "    stock: ms between attempts to a port that drops us: $iv"
        }
    } [list cluster-node-timeout $::reconnect_timeout]
}
