# RDB persistence: SAVE/BGSAVE/LASTSAVE, save points, restart round trips,
# DEBUG RELOAD, SHUTDOWN saving, MISCONF after a failed save, LOADING while
# a big file loads, INFO persistence, and corrupt/truncated files (clean
# error exit, file untouched, no crash).

proc rdb_file {{level 0}} {
    file join [lindex [r $level config get dir] 1] [lindex [r $level config get dbfilename] 1]
}

proc write_binary {path data} {
    set fd [open $path wb]
    puts -nonewline $fd $data
    close $fd
}

proc info_field_names {info} {
    set names {}
    foreach line [split $info "\n"] {
        if {[regexp {^([a-z_]+):} $line -> name]} {lappend names $name}
    }
    return $names
}

# Child pid from the log line "Background saving started by pid N".
proc get_child_pid {level} {
    set fd [open [srv $level stdout] r]
    set pid {}
    foreach line [split [read $fd] \n] {
        regexp {Background saving started by pid (\d+)} $line -> pid
    }
    close $fd
    return $pid
}

# A dataset covering every string encoding, expiries and several dbs.
proc fill_string_dataset {} {
    r flushall
    r set int 12345
    r set negint -7
    r set bigint 1234567890123
    r set embstr hello
    r set raw [string repeat "not compressible? " 3]
    r set long [string repeat abcdefgh 2000]
    r set bin "\x00\x01\xff\r\n"
    r set empty ""
    r set leadzero 007
    r set vol v px 1000000
    r select 3
    r set db3key inthree
    r set exp3 e ex 5000
    r select 15
    r set last 1
    r select 9
}

proc dataset_snapshot {} {
    set out {}
    foreach db {0 3 15} {
        r select $db
        foreach k [lsort [r keys *]] {
            lappend out $db $k [r get $k] [r object encoding $k] [expr {[r pttl $k] > 0}]
        }
    }
    r select 9
    return $out
}

start_server {tags {rdb}} {
    test {SAVE writes a file that survives a restart: values, encodings, TTLs, dbs} {
        fill_string_dataset
        set digest [r debug digest]
        set before [dataset_snapshot]
        assert_equal OK [r save]
        restart_server
        assert_equal $digest [r debug digest]
        assert_equal $before [dataset_snapshot]
        r select 0
        assert_range [r pttl vol] 990000 1000000
        assert_encoding int int
        assert_encoding embstr embstr
        assert_encoding raw long
    }

    test {Start-up logs the RDB lines stock logs} {
        verify_log_message 0 "*Loading RDB produced by version 7.0.15*" 0
        verify_log_message 0 "*Done loading RDB, keys loaded: 13, keys expired: 0.*" 0
        verify_log_message 0 "*DB loaded from disk: * seconds*" 0
        assert_equal 13 [s rdb_last_load_keys_loaded]
    }

    test {The file layout: header, aux fields, EOF and a CRC64 footer} {
        r flushall
        r set a 1
        r save
        set data [read_binary [rdb_file]]
        assert_equal REDIS0010 [string range $data 0 8]
        foreach aux {redis-ver 7.0.15 redis-bits ctime used-mem aof-base} {
            assert_match "*$aux*" $data
        }
        assert_equal "\xff" [string index $data end-8]
        assert_not_equal [string repeat "\x00" 8] [string range $data end-7 end]
    }

    test {rdbcompression: long repetitive strings shrink only when enabled} {
        r flushall
        r set big [string repeat x 100000]
        r config set rdbcompression yes
        r save
        set small [file size [rdb_file]]
        r config set rdbcompression no
        r save
        set plain [file size [rdb_file]]
        r config set rdbcompression yes
        assert_lessthan $small 5000
        assert_morethan $plain 100000
        r debug reload
        assert_equal 100000 [r strlen big]
    }

    test {Keys expired on disk are not loaded and are counted} {
        r flushall
        r set gone v px 50
        r set stays v
        r save
        after 100
        r debug reload nosave
        assert_equal 0 [r exists gone]
        assert_equal 1 [s rdb_last_load_keys_expired]
        assert_equal 1 [s rdb_last_load_keys_loaded]
    }

    test {DEBUG RELOAD keeps the dataset, checks options, MERGE with NOFLUSH} {
        fill_string_dataset
        set digest [r debug digest]
        assert_equal OK [r debug reload]
        assert_equal $digest [r debug digest]
        assert_error {ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.} {r debug reload bogus}
        r select 0
        r set int 999
        assert_equal OK [r debug reload nosave noflush merge]
        assert_equal 12345 [r get int]
        r select 9
        assert_equal $digest [r debug digest]
    }

    test {LFU frequency and LRU idle time travel in the file} {
        r flushall
        r config set maxmemory-policy allkeys-lfu
        r set hot v
        for {set i 0} {$i < 200} {incr i} {r get hot}
        set freq [r object freq hot]
        assert_morethan $freq 5
        r debug reload
        assert_equal $freq [r object freq hot]
        r config set maxmemory-policy allkeys-lru
        r set cold v
        r restore old 0 [r dump cold] idletime 5000
        r debug reload
        assert_range [r object idletime old] 5000 5010
        assert_lessthan [r object idletime cold] 5
        r config set maxmemory-policy noeviction
    }

    test {BGSAVE: started, already in progress, then done with LASTSAVE updated} {
        r flushall
        r debug populate 1000
        r config set rdb-key-save-delay 1000
        set last [r lastsave]
        after 1100
        assert_equal {Background saving started} [r bgsave]
        assert_equal 1 [s rdb_bgsave_in_progress]
        assert_error {ERR Background save already in progress} {r bgsave}
        assert_error {ERR Background save already in progress} {r bgsave schedule}
        assert_error {ERR Background save already in progress} {r save}
        assert_equal 1000 [s current_save_keys_total]
        r config set rdb-key-save-delay 0
        wait_for_condition 500 10 {[s rdb_bgsave_in_progress] == 0} else {
            fail "BGSAVE did not finish"
        }
        assert_equal ok [s rdb_last_bgsave_status]
        assert_morethan [r lastsave] $last
        assert_equal 0 [s rdb_changes_since_last_save]
        assert_morethan_equal [s rdb_last_bgsave_time_sec] 0
        verify_log_message 0 "*Background saving terminated with success*" 0
        assert_error {ERR syntax error} {r bgsave now}
        # The child must leave the parent's listening sockets alone.
        set c [redis_client]
        assert_equal PONG [$c ping]
        $c close
    }

    test {BGSAVE progress and copy-on-write in INFO persistence} {
        r flushall
        r debug populate 5000
        r config set rdb-key-save-delay 300
        r bgsave
        wait_for_condition 300 10 {[s current_save_keys_processed] > 0} else {
            fail "no progress reported"
        }
        assert_morethan [s current_fork_perc] 0
        assert_equal 5000 [s current_save_keys_total]
        r config set rdb-key-save-delay 0
        wait_for_condition 500 10 {[s rdb_bgsave_in_progress] == 0} else {fail "BGSAVE stuck"}
        assert_equal 0 [s current_save_keys_total]
        assert_morethan [s rdb_last_cow_size] 0
        verify_log_message 0 "*Fork CoW for RDB: current * MB, peak * MB, average * MB*" 0
    }

    test {A killed BGSAVE child: MISCONF for writes and PING, not for reads} {
        r config set save "3600 1"
        r set k v
        r config set rdb-key-save-delay 100000
        r bgsave
        set child [get_child_pid 0]
        exec kill -9 $child
        wait_for_condition 500 10 {[s rdb_last_bgsave_status] eq "err"} else {
            fail "failure not noticed"
        }
        r config set rdb-key-save-delay 0
        set misconf {MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.}
        catch {r set k v2} e
        assert_equal $misconf $e
        catch {r ping} e
        assert_equal $misconf $e
        assert_equal v [r get k]
        r config set stop-writes-on-bgsave-error no
        assert_equal OK [r set k v3]
        r config set stop-writes-on-bgsave-error yes
        assert_equal OK [r save]
        assert_equal OK [r set k v4]
        assert_equal 0 [llength [glob -nocomplain [file join [lindex [r config get dir] 1] temp-*.rdb]]]
        r config set save ""
    }

    test {Save points trigger a BGSAVE from the cron} {
        set saves [s rdb_saves]
        r config set save "1 1"
        r set trigger 1
        wait_for_condition 300 20 {[s rdb_saves] > $saves && [s rdb_bgsave_in_progress] == 0} else {
            fail "no save point save"
        }
        verify_log_message 0 "*changes in 1 seconds. Saving...*" 0
        r config set save ""
    }

    test {INFO persistence has stock's fields in stock's order} {
        set ours [info_field_names [r info persistence]]
        start_server {binary /usr/bin/redis-server} {
            set stock [info_field_names [r info persistence]]
        }
        assert_equal $stock $ours
    }
}

start_server {tags {rdb} overrides {save {900 1}}} {
    test {SHUTDOWN saves when save points are set, SHUTDOWN NOSAVE does not} {
        r set kept 1
        catch {r shutdown}
        wait_for_condition 100 20 {![process_is_alive [srv 0 pid]]} else {fail "still running"}
        verify_log_message 0 "*Saving the final RDB snapshot before exiting.*" 0
        restart_server
        assert_equal 1 [r get kept]
        r set lost 1
        catch {r shutdown nosave}
        wait_for_condition 100 20 {![process_is_alive [srv 0 pid]]} else {fail "still running"}
        restart_server
        assert_equal 0 [r exists lost]
        assert_equal 1 [r get kept]
    }

    test {FLUSHALL with save points rewrites the RDB at once} {
        r set x 1
        r flushall
        assert_equal 0 [s rdb_changes_since_last_save]
        restart_server
        assert_equal 0 [r dbsize]
    }

    test {SIGTERM saves too (shutdown-on-sigterm default)} {
        r set bysignal 1
        restart_server
        assert_equal 1 [r get bysignal]
    }
}

start_server {tags {rdb} overrides {save {900 1} dbfilename blocked.rdb}} {
    test {SHUTDOWN refuses when the final save fails; SHUTDOWN FORCE exits anyway} {
        # A non-empty directory where the file goes: the rename fails.
        file mkdir [file join [srv 0 dir] blocked.rdb x]
        r set k 1
        assert_error {ERR Errors trying to SHUTDOWN. Check logs.} {r shutdown}
        verify_log_message 0 "*Error trying to save the DB, can't exit.*" 0
        assert_equal PONG [r ping]
        catch {r shutdown force}
        wait_for_condition 100 20 {![process_is_alive [srv 0 pid]]} else {fail "still running"}
        verify_log_message 0 "*Error trying to save the DB. Exit anyway.*" 0
    }
}

start_server {tags {rdb} overrides {rdbchecksum no}} {
    test {rdbchecksum no writes a zero checksum, and such a file loads} {
        r set b 2
        r save
        set data [read_binary [rdb_file]]
        assert_equal [string repeat "\x00" 8] [string range $data end-7 end]
        restart_server
        assert_equal 2 [r get b]
    }
}

start_server {tags {rdb} overrides {loading-process-events-interval-bytes 1024 key-load-delay 50}} {
    test {Clients get -LOADING while a file loads; INFO shows the progress} {
        r config set key-load-delay 0
        r debug populate 20000 key 10
        r save
        restart_server 0 0
        set c [redis_client]
        catch {$c get key:1} e
        assert_match {LOADING Redis is loading the dataset in memory} $e
        set info [$c info persistence]
        assert_match "*loading:1*" $info
        assert_match "*loading_total_bytes:*" $info
        assert_match "*loading_loaded_perc:*" $info
        wait_for_condition 1000 20 {[catch {$c ping}] == 0} else {fail "still loading"}
        assert_equal 20000 [$c dbsize]
        $c close
    }

    test {SIGTERM while loading exits at once and leaves the file intact} {
        set file [rdb_file]
        set before [file size $file]
        set mtime [file mtime $file]
        restart_server 0 0
        set pid [srv 0 pid]
        exec kill -TERM $pid
        wait_for_condition 200 20 {![process_is_alive $pid]} else {fail "still running"}
        verify_log_message 0 "*not saving the partially loaded dataset*" 0
        assert_equal $before [file size $file]
        assert_equal $mtime [file mtime $file]
        restart_server
        wait_for_condition 1000 20 {![catch {r ping}]} else {fail "still loading"}
        assert_equal 20000 [r dbsize]
    }
}

# Corrupt and truncated files: the server refuses to start with a clear
# message, exits non-zero, leaves the file alone and never crashes.
start_server {tags {rdb}} {
    r set a 1
    r set b [string repeat "compress me " 50]
    r set c hello px 100000000
    r select 2
    r set d 12345678
    r save
    set good [read_binary [rdb_file]]
    set len [string length $good]

    proc try_load {data extra} {
        set dir [file join $::tests_root tmp "corrupt.[pid].[incr ::corrupt_seq]"]
        file mkdir $dir
        write_binary [file join $dir dump.rdb] $data
        set rc [catch {start_server [list overrides [concat [list dir $dir] $extra]] {
            set ::loaded_digest [r debug digest]
        }} err]
        set after [read_binary [file join $dir dump.rdb]]
        file delete -force $dir
        if {$after ne $data} {fail "the file was modified"}
        if {$rc} {
            if {![string match "*exited during startup*" $err]} {fail "unexpected: $err"}
            foreach m $::crash_markers {
                if {[string match $m $err]} {fail "crash: $err"}
            }
            if {![string match "*Terminating server after rdb file reading failure.*" $err]} {
                fail "no clear error: $err"
            }
            return error
        }
        return loaded
    }

    test {Truncated files: a clean start-up error at every cut} {
        foreach cut [list 3 9 10 30 [expr {$len / 2}] [expr {$len - 9}] [expr {$len - 1}]] {
            assert_equal error [try_load [string range $good 0 [expr {$cut - 1}]] {}] "cut at $cut"
        }
    }

    test {Flipped bytes: checksum error, or a clean result without checksums} {
        foreach pos [list 5 12 40 [expr {$len / 2}] [expr {$len - 12}] [expr {$len - 9}] [expr {$len - 3}]] {
            set byte [scan [string index $good $pos] %c]
            set bad [string replace $good $pos $pos [format %c [expr {$byte ^ 0x5a}]]]
            assert_equal error [try_load $bad {}] "flip at $pos"
            # Without the checksum check the file is parsed: whatever it
            # says, the server must not crash.
            try_load $bad {rdbchecksum no}
        }
    }

    test {Random corruption without checksums: loads or refuses, never crashes} {
        expr {srand(7)}
        for {set i 0} {$i < 15} {incr i} {
            set bad $good
            for {set f 0} {$f < 3} {incr f} {
                set pos [expr {9 + int(rand() * ($len - 17))}]
                set bad [string replace $bad $pos $pos [format %c [expr {int(rand() * 256)}]]]
            }
            try_load $bad {rdbchecksum no}
        }
    }

    test {Garbage and wrong versions are refused} {
        assert_equal error [try_load "REDIS0011[string range $good 9 end]" {}]
        assert_equal error [try_load "NOTREDIS0010" {}]
        assert_equal error [try_load [string repeat "\xfe" 100] {}]
    }

    test {The intact file loads the same dataset} {
        r select 9
        set d [r debug digest]
        assert_equal loaded [try_load $good {}]
        assert_equal $d $::loaded_digest
    }
}

# Files in older formats (as Redis 2.x-6.x wrote them) load as in stock:
# version 3 (no checksum), version 6 with the seconds EXPIRETIME opcode.
proc old_rdb {version} {
    set body "\xfe\x00\xfd\x00\x94\x35\x77\x00\x01k\x01v\x00\x01a\xc0\x05\x00\x03big\xc1\x39\x30\xff"
    set data "REDIS[format %04d $version]$body"
    if {$version >= 5} {append data [string repeat "\x00" 8]}
    return $data
}

foreach version {3 6 9} {
    foreach binary [list {} /usr/bin/redis-server] {
        set dir [file join $::tests_root tmp "oldrdb.[pid].[incr ::oldrdb_seq]"]
        file mkdir $dir
        write_binary [file join $dir dump.rdb] [old_rdb $version]
        set opts [list tags {rdb} overrides [list dir [file normalize $dir]]]
        if {$binary ne {}} {lappend opts binary $binary}
        start_server $opts {
            test "RDB version $version loads ([expr {$binary eq {} ? {ours} : {stock}}])" {
                assert_equal {v 5 12345} [list [r get k] [r get a] [r get big]]
                assert_equal 2000000000000 [r pexpiretime k]
                set ::oldrdb_digest($version,[expr {$binary eq {}}]) [r debug digest]
            }
        }
        file delete -force $dir
    }
    test "RDB version $version: same digest as stock" {
        assert_equal $::oldrdb_digest($version,0) $::oldrdb_digest($version,1)
    }
}
