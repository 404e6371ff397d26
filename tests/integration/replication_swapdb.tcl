# repl-diskless-load swapdb with a master of the replica's own history:
# 7.0's async loading. The same steps run on a stock master with a stock
# replica (the reference), a stock master with our replica and our master
# with our replica: during a slow full sync the replica serves the old
# data (INFO async_loading:1), refuses the no-async-loading commands with
# stock's error, then swaps in the master's dataset; a master killed in the
# transfer leaves the old data served. Functions carried by the RDB too.

set ::stock_server /usr/bin/redis-server

proc swapdb_async_loading {r} {
    expr {[status $r async_loading] == 1}
}

proc swapdb_synced {m r} {
    expr {[status $r master_link_status] eq "up" && [status $r async_loading] == 0 &&
          [$m debug digest] eq [$r debug digest]}
}

# A full sync of the same history: the replica's link is cut in the same
# transaction that writes more than the backlog holds, so its PSYNC fails.
proc swapdb_force_full_sync {m lib} {
    $m config set repl-backlog-size 16384
    $m multi
    $m client kill type replica
    $m set asdf asdf
    $m function load "#!lua name=$lib\nredis.register_function('f$lib', function() return '$lib' end)"
    for {set i 0} {$i < 10} {incr i} { $m set "big$i" [string repeat A 16384] }
    $m exec
}

proc swapdb_libraries {r} {
    set names {}
    foreach lib [$r function list] { lappend names [dict get $lib library_name] }
    return [lsort $names]
}

proc swapdb_reply {r args} {
    if {[catch {$r {*}$args} e]} { return "ERR:$e" }
    return $e
}

# What a replica shows during an async load: its INFO flags, old reads,
# and the replies of commands that are refused or allowed.
proc swapdb_observe_loading {r old_digest old_size} {
    set obs [dict create]
    dict set obs loading [status $r loading]
    dict set obs sync_in_progress [status $r master_sync_in_progress]
    dict set obs link [status $r master_link_status]
    set names {}
    foreach line [split [$r info replication] "\r\n"] {
        if {[regexp {^([a-z_0-9]+):} $line -> name]} { lappend names $name }
    }
    dict set obs info_replication_fields $names
    dict set obs sync_total_bytes [status $r master_sync_total_bytes]
    dict set obs has_loaded_bytes [expr {[status $r loading_loaded_bytes] ne ""}]
    dict set obs get_old [$r get key:1]
    dict set obs get_new [$r get asdf]
    dict set obs ttl_kept [expr {[$r ttl ek] > 0}]
    dict set obs dbsize_old [expr {[$r dbsize] == $old_size}]
    dict set obs digest_old [expr {[$r debug digest] eq $old_digest}]
    dict set obs keys [lsort [$r keys h*]]
    dict set obs hget [$r hget h a]
    dict set obs libraries [swapdb_libraries $r]
    foreach cmd {{save} {bgsave} {bgrewriteaof} {replicaof no one} {slaveof no one} {sync} {set x 1} {flushall} {ping}} {
        dict set obs "cmd:$cmd" [swapdb_reply $r {*}$cmd]
    }
    return $obs
}

# Runs the scenario with master binary mbin and replica binary rbin
# ("" = ours); returns a dict of observations.
proc swapdb_run {mbin rbin} {
    set obs [dict create]
    set mopts [list overrides {repl-diskless-sync yes repl-diskless-sync-delay 0 enable-debug-command yes}]
    if {$mbin ne ""} { lappend mopts binary $mbin }
    start_server $mopts {
        set m [srv 0 client]
        set mpid [srv 0 pid]
        $m debug populate 20000 key 10
        $m hset h a b
        $m set ek v px 10000000
        $m function load "#!lua name=lib1\nredis.register_function('flib1', function() return 'lib1' end)"
        set ropts [list overrides [list replicaof "[srv 0 host] [srv 0 port]" repl-diskless-load swapdb \
            loading-process-events-interval-bytes 1024 enable-debug-command yes]]
        if {$rbin ne ""} { lappend ropts binary $rbin }
        start_server $ropts {
            set r [srv 0 client]
            wait_for_condition 200 50 {[swapdb_synced $m $r]} else { fail "first sync" }
            # The first sync (a new history) is not asynchronous.
            set old_digest [$r debug digest]
            set old_size [$r dbsize]
            set w [redis_client]
            $w watch key:5
            $m config set rdb-key-save-delay 200
            swapdb_force_full_sync $m lib2
            wait_for_condition 200 20 {[swapdb_async_loading $r]} else { fail "no async loading" }
            dict set obs during [swapdb_observe_loading $r $old_digest $old_size]
            # The write refused above must not have reached the old data.
            wait_for_condition 400 50 {[swapdb_synced $m $r]} else { fail "no swap" }
            dict set obs after_get_new [$r get asdf]
            dict set obs after_libraries [swapdb_libraries $r]
            dict set obs after_dbsize_master [expr {[$r dbsize] == [$m dbsize]}]
            $w multi
            $w ping
            dict set obs watch_exec [$w exec]
            $w close
            dict set obs log_swap [expr {[count_log_lines_matching 0 "*Swapping active DB with loaded DB*"] > 0}]

            # Killed mid-transfer: the old (now current) data stays.
            set old_digest [$r debug digest]
            set old_size [$r dbsize]
            swapdb_force_full_sync $m lib3
            wait_for_condition 200 20 {[swapdb_async_loading $r]} else { fail "no second async loading" }
            exec kill -9 $mpid
            wait_for_condition 200 50 {[status $r async_loading] == 0} else { fail "async loading never ended" }
            dict set obs killed_digest_old [expr {[$r debug digest] eq $old_digest}]
            dict set obs killed_dbsize_old [expr {[$r dbsize] == $old_size}]
            dict set obs killed_get [$r get key:1]
            dict set obs killed_libraries [swapdb_libraries $r]
            dict set obs log_discard [expr {[count_log_lines_matching 0 "*sync: Discarding temporary DB in background*"] > 0}]
            dict set obs killed_link [status $r master_link_status]
        }
    }
    return $obs
}

proc count_log_lines_matching {level pattern} {
    set n 0
    foreach line [split [read_file_text [srv $level stdout]] "\n"] {
        if {[string match $pattern $line]} { incr n }
    }
    return $n
}

proc read_file_text {path} {
    set fd [open $path r]
    set t [read $fd]
    close $fd
    return $t
}

proc swapdb_compare {ref got} {
    foreach k [dict keys $ref] {
        if {$k eq "during"} {
            foreach k2 [dict keys [dict get $ref during]] {
                assert_equal [dict get $ref during $k2] [dict get $got during $k2] "during: $k2"
            }
        } else {
            assert_equal [dict get $ref $k] [dict get $got $k] $k
        }
    }
}

if {[file executable $::stock_server]} {
    test "swapdb async loading on stock: what the reference shows" {
        set ::swapdb_ref [swapdb_run $::stock_server $::stock_server]
        if {[info exists ::env(SWAPDB_DUMP)]} { puts $::swapdb_ref }
        set d [dict get $::swapdb_ref during]
        assert_equal 0 [dict get $d loading]
        assert_match "value:1*" [dict get $d get_old]
        assert_equal 1 [dict get $d digest_old]
        assert_match "ERR:LOADING*" [dict get $d cmd:save]
        assert_equal asdf [dict get $::swapdb_ref after_get_new]
        assert_equal 1 [dict get $::swapdb_ref killed_digest_old]
        assert_equal 1 [dict get $::swapdb_ref log_swap]
        assert_equal 1 [dict get $::swapdb_ref log_discard]
        # Functions of the RDB arrive with the keys, not before.
        assert_equal lib1 [dict get $d libraries]
        assert_equal {lib1 lib2} [dict get $::swapdb_ref after_libraries]
        assert_equal {lib1 lib2} [dict get $::swapdb_ref killed_libraries]
    }

    test "swapdb async loading: our replica of a stock master as stock's replica" {
        swapdb_compare $::swapdb_ref [swapdb_run $::stock_server ""]
    }

    test "swapdb async loading: our replica of our master as stock's pair" {
        swapdb_compare $::swapdb_ref [swapdb_run "" ""]
    }
}
