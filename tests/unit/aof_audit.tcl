# AOF details found in the persistence/replication audit
# (docs/audit-persistence.md): the same steps on stock and on ours, then
# stock's redis-check-aof and redis-check-rdb read both directories the
# same way, and the rewrite child reports its copy-on-write as stock's.

source [file join $::tests_root helpers aof.tcl]

# The checker's report with numbers (sizes, offsets, times) taken out, so
# two directories of the same commands compare line by line.
proc audit_check_aof {manifest} {
    set rc [catch {exec /usr/bin/redis-check-aof $manifest} out]
    regsub -all {[0-9]+} $out N out
    regsub -all {0xN +[0-9a-fN]+} $out {0xN} out
    return [list $rc $out]
}

proc audit_aof_steps {} {
    r set str hello
    r rpush list a b c
    r hset hash f v
    r sadd set 1 2 3
    r zadd zset 1 a 2 b
    r set vol v ex 1000
    assert_equal {Background append only file rewriting started} [r bgrewriteaof]
    wait_rewrite_done
    r select 5
    r set after rewrite
    r incr counter
    r select 0
}

set ::audit_aof {}
foreach {bin label} [list /usr/bin/redis-server stock "" ours] {
    set opts [list tags {aof} overrides {appendonly yes aof-timestamp-enabled yes}]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        test "$label: a rewrite reports its copy-on-write in INFO persistence" {
            audit_aof_steps
            assert_morethan [s aof_last_cow_size] 0
            assert_equal 0 [s rdb_last_cow_size]
        }
        set dir [aof_dir]
        set manifest [file join $dir appendonly.aof.manifest]
        dict set ::audit_aof $label files [lsort [glob -tails -directory $dir *]]
        dict set ::audit_aof $label check [audit_check_aof $manifest]
        set base [file join $dir appendonly.aof.2.base.rdb]
        dict set ::audit_aof $label check_rdb [catch {exec /usr/bin/redis-check-rdb $base} out]
        test "$label: stock redis-check-rdb accepts the RDB base" {
            assert_match "*RDB looks OK*" $out
        }
        # Cut the last command short: the checker must call it invalid.
        set incr [incr_file]
        set copy [copy_dir $dir]
        set cut [file join $copy [file tail $incr]]
        set fd [open $cut r+]
        chan truncate $fd [expr {[file size $cut] - 3}]
        close $fd
        dict set ::audit_aof $label truncated [audit_check_aof [file join $copy appendonly.aof.manifest]]
        file delete -force $copy
    }
}

tags {aof} {
    test {The AOF directories hold the same files on stock and ours} {
        assert_equal [dict get $::audit_aof stock files] [dict get $::audit_aof ours files]
    }
    test {Stock redis-check-aof reports our AOF directory as it reports stock's} {
        lassign [dict get $::audit_aof ours check] rc out
        assert_equal 0 $rc
        assert_match "*All AOF files and manifest are valid*" $out
        assert_equal [dict get $::audit_aof stock check] [dict get $::audit_aof ours check]
    }
    test {Stock redis-check-aof finds a truncated incr file in ours as in stock's} {
        lassign [dict get $::audit_aof ours truncated] rc out
        assert_equal 1 $rc
        assert_match "*is not valid*" $out
        assert_equal [dict get $::audit_aof stock truncated] [dict get $::audit_aof ours truncated]
    }
    test {Stock redis-check-rdb exits 0 on both RDB bases} {
        assert_equal {0 0} [list [dict get $::audit_aof stock check_rdb] [dict get $::audit_aof ours check_rdb]]
    }
}

# Turning the AOF off kills a running rewrite child: its info pipe must go
# with it, or every such kill leaves descriptors behind.
foreach {bin label} [list /usr/bin/redis-server stock "" ours] {
    set opts [list tags {aof} overrides {appendonly yes}]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        test "$label: a running rewrite shows its progress in INFO persistence" {
            r debug populate 200
            r config set rdb-key-save-delay 100000
            r bgrewriteaof
            wait_for_condition 100 20 {[s current_save_keys_processed] >= 1} else {
                fail "no progress reported"
            }
            assert_equal 1 [s aof_rewrite_in_progress]
            assert_equal [r dbsize] [s current_save_keys_total]
            assert_morethan [s current_fork_perc] 0
            r config set appendonly no
            assert_equal 0 [s current_save_keys_total]
            r config set rdb-key-save-delay 0
            r config set appendonly yes
            wait_rewrite_done
        }
        test "$label: killed rewrite children leave no descriptors behind" {
            r config set rdb-key-save-delay 100000
            set fds [file join /proc [srv 0 pid] fd]
            # Counted first with the AOF off, as it is after every round.
            for {set i 0} {$i < 6} {incr i} {
                if {$i == 1} { set before [llength [glob -directory $fds *]] }
                r config set appendonly yes
                if {![s aof_rewrite_in_progress]} { r bgrewriteaof }
                wait_for_condition 50 20 {[s aof_rewrite_in_progress] == 1} else {
                    fail "no rewrite child"
                }
                r config set appendonly no
                assert_equal 0 [s aof_rewrite_in_progress]
            }
            # Stock closes old AOF files in a background thread: allow it
            # a moment; a leaked pipe never goes away.
            wait_for_condition 100 20 {[llength [glob -directory $fds *]] <= $before} else {
                fail "descriptors: $before before, [llength [glob -directory $fds *]] after"
            }
            # Each stopped child said why it left.
            verify_log_message 0 "*signal-handler (*) Received SIGUSR1 in child, exiting now.*" 0
            r config set rdb-key-save-delay 0
        }
    }
}

# no-appendfsync-on-rewrite, seen from outside: the server's fsync calls
# (strace on the running server) during a rewrite, with appendfsync always.
proc audit_count_fsyncs {writes} {
    if {[auto_execok strace] eq {}} { skip "no strace" }
    set out [file join [srv 0 dir] strace.out]
    set err [file join [srv 0 dir] strace.err]
    set spid [exec strace -f -p [srv 0 pid] -e trace=fsync,fdatasync -o $out 2> $err &]
    wait_for_condition 100 20 {[file exists $err] && [string match "*attached*" [read_binary $err]]} else {
        catch {exec kill $spid}
        skip "strace cannot attach here"
    }
    for {set i 0} {$i < $writes} {incr i} { r set fs:$i v }
    exec kill -INT $spid
    wait_for_condition 100 20 {![process_is_alive $spid]} else { fail "strace did not stop" }
    set n 0
    foreach line [split [read_binary $out] \n] {
        if {[regexp {\m(fsync|fdatasync)\(} $line]} { incr n }
    }
    return $n
}

foreach {bin label} [list /usr/bin/redis-server stock "" ours] {
    set opts [list tags {aof} overrides {appendonly yes appendfsync always}]
    if {$bin ne ""} { lappend opts binary $bin }
    start_server $opts {
        foreach skip_on_rewrite {no yes} {
            test "$label: appendfsync always during a rewrite, no-appendfsync-on-rewrite $skip_on_rewrite" {
                r config set no-appendfsync-on-rewrite $skip_on_rewrite
                # 100 keys at 40 ms each: the child runs for 4 s (the
                # delay is the child's copy, it cannot be cut short).
                r debug populate 100
                r config set rdb-key-save-delay 40000
                r bgrewriteaof
                r config set rdb-key-save-delay 0
                wait_for_condition 50 20 {[s aof_rewrite_in_progress] == 1} else { fail "no rewrite" }
                set n [audit_count_fsyncs 20]
                assert_equal 1 [s aof_rewrite_in_progress]
                wait_for_condition 500 20 {[rewrite_idle 0]} else { fail "rewrite did not finish" }
                if {$skip_on_rewrite eq "no"} {
                    assert_morethan_equal $n 20
                } else {
                    assert_equal 0 $n
                }
            }
        }
    }
}
