# Filtered snapshots for replicas (REPLCONF rdb-filter-only, rdb-only), run
# on stock Redis 7.0.15 first and then on ours with the same assertions:
# stock redis-cli --functions-rdb gets the function libraries and no keys,
# rdb-filter-only "" a snapshot with neither; the files pass stock
# redis-check-rdb and load in a stock server, and what is in them (aux
# field names, keys, functions) must be the same from both masters. A
# filtered replica gets its own child, always with the socket target, so a
# normal replica syncing at the same time still gets all the data; a
# filtered replica without rdb-only is an ordinary replica afterwards (the
# stream follows), one with rdb-only is disconnected after its RDB.

set ::stock_server /usr/bin/redis-server
set ::stock_cli /usr/bin/redis-cli
set ::stock_check_rdb /usr/bin/redis-check-rdb
source [file join $::tests_root helpers raw_replica.tcl]

set ::filter_lib "#!lua name=filterlib\nredis.register_function('ff', function() return 'ff' end)"

proc filter_fill {} {
    r flushall
    r function flush
    r select 3
    r set db3 three
    r hset h a 1 b 2
    r select 0
    for {set i 0} {$i < 200} {incr i} { r set key:$i [string repeat v$i 10] }
    r set vol v px 100000000
    r function load $::filter_lib
}

# A fresh directory for one snapshot; the file in it is dump.rdb, so a
# server started with that dir loads it.
proc filter_dir {} {
    set dir [file join $::tests_root tmp "filter.[pid].[incr ::filter_seq]"]
    file mkdir $dir
    return [file normalize $dir]
}

# Stores the SYNC's snapshot as dump.rdb in a fresh dir, returns the dir.
proc raw_sync_save {fd} {
    set dir [filter_dir]
    set out [open [file join $dir dump.rdb] wb]
    puts -nonewline $out [lindex [raw_sync_rdb $fd] 0]
    close $out
    return $dir
}

# What a snapshot holds, by stock tools: redis-check-rdb (it must pass;
# aux field names and the key count) and a stock server loading it (keys
# in all dbs, FUNCTION LIST WITHCODE).
proc rdb_contents {dir} {
    set out [exec $::stock_check_rdb [file join $dir dump.rdb]]
    assert_match {*Checksum OK*RDB looks OK!*} $out
    regexp {\[info\] (\d+) keys read} $out -> keys
    set aux {}
    foreach {- name} [regexp -all -inline {AUX FIELD ([a-z-]+) =} $out] { lappend aux $name }
    start_server [list binary $::stock_server overrides [list dir $dir]] {
        set loaded [regexp -all -inline {keys=\d+} [r info keyspace]]
        set functions [r function list withcode]
    }
    file delete -force $dir
    return [list keys $keys aux $aux loaded $loaded functions $functions]
}

proc expected_contents {aux functions} {
    list keys 0 aux $aux loaded {} functions $functions
}

# Stock's result first, then ours must equal it.
proc same_as_stock {label kind contents} {
    if {$label eq "stock"} {
        set ::stock_contents($kind) $contents
    } elseif {[info exists ::stock_contents($kind)]} {
        assert_equal $::stock_contents($kind) $contents "$kind: ours vs stock"
    }
}

proc replicas_online {n} {
    set info [r info replication]
    expr {[regexp -all {state=online} $info] == $n && [status r connected_slaves] == $n}
}

proc count_matching_log_lines {pattern} {
    set n 0
    foreach line [split [exec cat [srv 0 stdout]] "\n"] {
        if {[string match $pattern $line]} { incr n }
    }
    return $n
}

foreach {label bin} [list stock $::stock_server ours {}] {
    foreach diskless {no yes} {
        set mopts [list tags {repl filter} overrides [list repl-diskless-sync $diskless repl-diskless-sync-delay 0]]
        if {$bin ne ""} { lappend mopts binary $bin }
        start_server $mopts {
            filter_fill
            set fnlist [r function list withcode]
            set aux {redis-ver redis-bits ctime used-mem repl-stream-db repl-id repl-offset aof-base}
            set tag "$label master, diskless $diskless"

            test "$tag: redis-cli --functions-rdb gets the functions and no keys" {
                set dir [filter_dir]
                set out [exec $::stock_cli -p [srv 0 port] --functions-rdb [file join $dir dump.rdb] 2>@1]
                assert_match {*Transfer finished with success*} $out
                set contents [rdb_contents $dir]
                assert_equal [expected_contents $aux $fnlist] $contents
                same_as_stock $label "functions $diskless" $contents
                # The dataset itself is untouched.
                assert_equal 201 [r dbsize]
            }

            test "$tag: rdb-filter-only \"\" gets neither keys nor functions" {
                set fd [raw_sync_start [srv 0 port] {capa eof rdb-filter-only ""}]
                set dir [raw_sync_save $fd]
                close $fd
                set contents [rdb_contents $dir]
                assert_equal [expected_contents $aux {}] $contents
                same_as_stock $label "none $diskless" $contents
            }

            test "$tag: a filter needs the EOF capability" {
                set fd [raw_sync_start [srv 0 port] {rdb-filter-only functions}]
                assert_error {*Filtered replica requires EOF capability*} {raw_sync_rdb $fd}
                close $fd
                # A rejected filter is still a filter (what was parsed of it).
                set fd [socket 127.0.0.1 [srv 0 port]]
                fconfigure $fd -translation binary -buffering none -blocking 0
                foreach {cmd reply} {
                    {REPLCONF rdb-filter-only "functions bogus"} "-ERR Unsupported rdb-filter-only option: bogus\r\n"
                    {SYNC} "-ERR Filtered replica requires EOF capability\r\n"
                } {
                    puts -nonewline $fd [raw_cmd {*}$cmd]
                    set buf ""
                    raw_wait $fd buf {[string first "\r\n" $buf] != -1} 10000 $cmd
                    assert_equal $reply $buf
                }
                close $fd
            }

            test "$tag: a filtered replica without rdb-only is then fed the stream" {
                wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
                set fd [raw_sync_start [srv 0 port] {capa eof rdb-filter-only ""}]
                set rest [lindex [raw_sync_rdb $fd] 1]
                wait_for_condition 100 50 {[replicas_online 1]} else { fail "not online" }
                # Stock streams to an EOF-capable replica after its first ACK.
                puts -nonewline $fd [raw_cmd REPLCONF ACK 0]
                r set after-filter streamed
                raw_wait $fd rest {[string first streamed $rest] != -1} 10000 "the stream"
                close $fd
            }

            test "$tag: rdb-only 1 is disconnected once it has its RDB" {
                wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
                set from [count_log_lines 0]
                set fd [raw_sync_start [srv 0 port] {capa eof rdb-only 1 rdb-filter-only functions}]
                set rest [lindex [raw_sync_rdb $fd] 1]
                raw_wait $fd rest {[eof $fd]} 10000 "the disconnection"
                close $fd
                wait_for_log_messages 0 {"*RDB transfer completed, rdb only replica*should be disconnected asap*"} $from 100 50
                wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "still listed" }
            }

            test "$tag: filtered and normal replicas syncing together each get their own RDB" {
                wait_for_condition 100 50 {[status r connected_slaves] == 0} else { fail "old replicas linger" }
                # A slow full snapshot, so the filtered requests arrive while it runs.
                r config set rdb-key-save-delay 5000
                set sockets_before [count_matching_log_lines "*Starting BGSAVE for SYNC with target: replicas sockets*"]
                set ropts [list overrides [list dir [filter_dir]]]
                if {$bin ne ""} { lappend ropts binary $bin }
                start_server $ropts {
                    r replicaof [srv -1 host] [srv -1 port]
                    wait_for_condition 100 20 {[s -1 rdb_bgsave_in_progress] == 1} else { fail "no snapshot for the replica" }
                    set fn [raw_sync_start [srv -1 port] {capa eof rdb-filter-only functions}]
                    set fe [raw_sync_start [srv -1 port] {capa eof rdb-filter-only ""}]
                    set dirn [raw_sync_save $fn]
                    set dire [raw_sync_save $fe]
                    wait_for_condition 200 50 {[status r master_link_status] eq "up"} else { fail "no link" }
                    wait_for_condition 100 50 {[r -1 debug digest] eq [r debug digest]} else { fail "replica data differs" }
                    assert_equal [r -1 dbsize] [r dbsize]
                    assert_equal [r -1 function list withcode] [r function list withcode]
                    close $fn
                    close $fe
                }
                r config set rdb-key-save-delay 0
                assert_equal [expected_contents $aux $fnlist] [rdb_contents $dirn]
                assert_equal [expected_contents $aux {}] [rdb_contents $dire]
                # Each filter had its own child writing to the sockets, even
                # on a master configured for disk syncs.
                set sockets [expr {[count_matching_log_lines "*Starting BGSAVE for SYNC with target: replicas sockets*"] - $sockets_before}]
                assert_morethan_equal $sockets 2
            }
        }
    }
}

# With a diskless delay the requests gather first: the batch the cron starts
# must leave out the replicas whose filter differs from the first one's.
foreach {label bin} [list stock $::stock_server ours {}] {
    set mopts [list tags {repl filter} overrides [list repl-diskless-sync yes repl-diskless-sync-delay 1]]
    if {$bin ne ""} { lappend mopts binary $bin }
    start_server $mopts {
        filter_fill
        set fnlist [r function list withcode]
        set aux {redis-ver redis-bits ctime used-mem repl-stream-db repl-id repl-offset aof-base}
        test "$label master: filtered first, then a normal replica, within one diskless delay" {
            set fn [raw_sync_start [srv 0 port] {capa eof rdb-filter-only functions}]
            set ropts [list overrides [list dir [filter_dir]]]
            if {$bin ne ""} { lappend ropts binary $bin }
            start_server $ropts {
                r replicaof [srv -1 host] [srv -1 port]
                set dirn [raw_sync_save $fn]
                wait_for_condition 200 50 {[status r master_link_status] eq "up"} else { fail "no link" }
                wait_for_condition 100 50 {[r -1 debug digest] eq [r debug digest]} else { fail "replica data differs" }
                assert_equal 201 [r dbsize]
                close $fn
            }
            assert_equal [expected_contents $aux $fnlist] [rdb_contents $dirn]
        }
    }
}
