# Persistence and replication when things go wrong: kill -9 of a server
# during BGSAVE, of a master during a full sync, of a replica while it
# receives one; a full sync on a replica that has an AOF or a BGSAVE
# running; FLUSHALL under a replica's BGSAVE. After each: files intact,
# no stray temp files, servers up, and the data converges (DEBUG DIGEST)
# as it does with stock Redis 7.0.15.

set ::stock_server /usr/bin/redis-server

proc fault_link_up {level} {
    expr {[status [srv $level client] master_link_status] eq "up"}
}

proc fault_wait_digest {a b} {
    wait_for_condition 100 100 {[$a debug digest] eq [$b debug digest]} else {
        fail "digests differ: [$a debug digest] [$b debug digest]"
    }
}

# Temp RDB files (ours and stock's both start with temp-) in dir.
proc fault_temp_files {dir} {
    lsort [glob -nocomplain -tails -directory $dir temp-*.rdb]
}

# Big values so that rdb-key-save-delay stretches the snapshot over seconds.
proc fault_fill {r n} {
    $r select 9
    for {set i 0} {$i < $n} {incr i} { $r set big:$i [string repeat $i 30000] }
}

# The pid a server logged as its BGSAVE child ("... started by pid N").
proc fault_child_pid {level} {
    set pid {}
    foreach line [split [exec cat [srv $level stdout]] "\n"] {
        regexp {saving started by pid (\d+)} $line -> pid
    }
    return $pid
}

proc fault_kill_pid {pid} {
    if {$pid ne {} && [process_is_alive $pid]} { catch {exec kill -9 $pid} }
}

# ----------------------------------------------------------------------
# A full sync replaces a replica's dataset: its AOF and any BGSAVE of the
# old data must not bring the old data back after a restart.

start_server [list binary $::stock_server overrides {repl-diskless-sync-delay 0}] {
    set m [srv 0 client]
    fault_fill $m 10
    $m set master yes
    start_server {overrides {appendonly yes}} {
        set rep [srv 0 client]
        test "full sync on a replica with AOF: the AOF is rebuilt from the new data" {
            $rep select 9
            $rep set stale old
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[fault_link_up 0]} else { fail "no link" }
            $m set after sync
            wait_for_condition 50 100 {[$rep get after] eq "sync"} else { fail "not replicated" }
            wait_for_condition 50 100 {
                [s 0 aof_rewrite_in_progress] == 0 && [s 0 aof_rewrite_scheduled] == 0 &&
                [s 0 aof_enabled] == 1
            } else { fail "AOF not rewritten" }
            $rep config rewrite
            restart_server 0
            set rep [srv 0 client]
            $rep select 9
            assert_equal 0 [$rep exists stale]
            wait_for_condition 50 100 {[fault_link_up 0]} else { fail "no link after restart" }
            fault_wait_digest $m $rep
        }
    }
}

start_server [list binary $::stock_server overrides {repl-diskless-sync-delay 0}] {
    set m [srv 0 client]
    fault_fill $m 10
    start_server {} {
        set rep [srv 0 client]
        test "full sync on a replica stops its running BGSAVE of the old data" {
            fault_fill $rep 20
            $rep config set rdb-key-save-delay 200000
            $rep bgsave
            wait_for_condition 50 100 {[s 0 rdb_bgsave_in_progress] == 1} else { fail "no BGSAVE" }
            set child [fault_child_pid 0]
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[fault_link_up 0]} else { fault_kill_pid $child; fail "no link" }
            # The old snapshot would be renamed over the synced dump.rdb.
            set saving [s 0 rdb_bgsave_in_progress]
            fault_kill_pid $child
            assert_equal 0 $saving
            assert_equal {} [fault_temp_files [srv 0 dir]]
            $rep config set rdb-key-save-delay 0
            $rep config rewrite
            restart_server 0
            set rep [srv 0 client]
            fault_wait_digest $m $rep
        }
    }
}

# FLUSHALL kills the BGSAVE a replica waits for: the replica starts over.
start_server {overrides {repl-diskless-sync no}} {
    set m [srv 0 client]
    fault_fill $m 20
    start_server [list binary $::stock_server] {
        set rep [srv 0 client]
        test "FLUSHALL during the BGSAVE for a replica: the replica syncs again" {
            $m config set rdb-key-save-delay 200000
            $rep replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[s -1 rdb_bgsave_in_progress] == 1} else { fail "no BGSAVE" }
            $m flushall
            $m config set rdb-key-save-delay 0
            $m set after flush
            wait_for_condition 50 100 {[fault_link_up 0]} else { fail "replica stuck" }
            fault_wait_digest $m $rep
        }
    }
}
