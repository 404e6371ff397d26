# What a master logs around a diskless transfer, ours vs stock 7.0: the
# lines from "Starting BGSAVE for SYNC" on (the end of the snapshot's
# stream, the child's end, the replica going online; or, when the only
# replica goes away during the transfer, the child killed and how it
# ended), with pids, times, ports and replication ids taken out.

set ::stock_server /usr/bin/redis-server
source [file join $::tests_root helpers raw_replica.tcl]

# The master's own lines ("M") of its log from "Starting BGSAVE for SYNC",
# normalized, each with its level mark ("#" warning, "*" notice).
proc diskless_log_lines {} {
    set fh [open [srv 0 stdout]]
    set text [read $fh]
    close $fh
    set out {}
    set started 0
    foreach line [split $text "\n"] {
        if {![regexp {^\d+:M \d+ \w+ \d+ [\d:.]+ (.*)$} $line -> msg]} continue
        if {[string match "*Starting BGSAVE for SYNC*" $msg]} { set started 1 }
        if {!$started} continue
        regsub -all {pid \d+} $msg {pid N} msg
        regsub -all {127\.0\.0\.1:\d+} $msg {127.0.0.1:PORT} msg
        lappend out $msg
    }
    return $out
}

proc diskless_log_wait {pattern} {
    wait_for_condition 100 100 {[lsearch -glob [diskless_log_lines] $pattern] != -1} else {
        fail "no \"$pattern\" in the master's log: [diskless_log_lines]"
    }
}

proc diskless_log_collect {bin} {
    set obs [dict create]
    set mopts [list overrides [list repl-diskless-sync yes repl-diskless-sync-delay 0 enable-debug-command yes]]
    set ropts {}
    if {$bin ne ""} {
        lappend mopts binary $bin
        lappend ropts binary $bin
    }
    # A replica that syncs and goes online.
    start_server $mopts {
        set mhost [srv 0 host]
        set mport [srv 0 port]
        start_server $ropts {
            r replicaof $mhost $mport
            wait_for_condition 100 100 {[string match "*master_link_status:up*" [r info replication]]} else {
                fail "replica not synced"
            }
        }
        diskless_log_wait "*Connection with replica * lost."
        dict set obs synced [diskless_log_lines]
    }
    # The only replica goes away while the (slowed) child still writes.
    start_server $mopts {
        r debug populate 2000
        r config set rdb-key-save-delay 1000
        set fd [raw_sync_start [srv 0 port] {capa eof capa psync2} {PSYNC ? -1}]
        raw_fullresync_offset $fd
        wait_for_condition 100 50 {[s rdb_bgsave_in_progress] == 1} else { fail "no transfer child" }
        close $fd
        diskless_log_wait "*Background transfer terminated*"
        dict set obs dropped [diskless_log_lines]
        wait_for_condition 100 50 {[s rdb_bgsave_in_progress] == 0} else { fail "transfer child still there" }
        dict set obs child_sigusr1 [expr {[catch {
            verify_log_message 0 "*Received SIGUSR1 in child, exiting now.*" 0
        }] == 0}]
    }
    return $obs
}

tags {repl} {
    set stock [diskless_log_collect $::stock_server]
    set ours [diskless_log_collect ""]
    foreach key [dict keys $stock] {
        test "diskless transfer log as stock: $key" {
            assert_equal [dict get $stock $key] [dict get $ours $key]
        }
    }
    test "diskless transfer log: the stock run has the lines looked for" {
        assert_equal 1 [llength [lsearch -all [dict get $stock synced] "# Diskless rdb transfer, done reading from pipe, 1 replicas still up."]]
        assert_equal 1 [llength [lsearch -all [dict get $stock dropped] "# Diskless rdb transfer, last replica dropped, killing fork child."]]
        assert_equal 1 [dict get $stock child_sigusr1]
    }
}
