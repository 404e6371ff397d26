# Multi-part AOF as Redis 7.0 writes it: manifest, base (RDB preamble or
# commands) and incr files, rewrites, turning it on and off at runtime,
# fsync policies, truncated files, timestamps, and AOF directories moving
# between stock 7.0.15 and our server in both directions.

source [file join $::tests_root helpers aof.tcl]

proc aof_fill {} {
    r set str hello
    r set num 12345
    r set long [string repeat "aof " 100]
    r set vol v ex 100000
    r incrbyfloat fl 1.5
    r select 4
    r set db4 four
    r select 0
    r multi
    r set m1 1
    r set m2 2
    r exec
}

start_server {tags {aof} overrides {appendonly yes}} {
    test {Start-up with appendonly yes creates base, incr and the manifest as stock} {
        assert_equal "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" [manifest]
        assert_equal REDIS [string range [read_binary [file join [aof_dir] appendonly.aof.1.base.rdb]] 0 4]
        verify_log_message 0 "*Creating AOF base file appendonly.aof.1.base.rdb on server start*" 0
        verify_log_message 0 "*Creating AOF incr file appendonly.aof.1.incr.aof on server start*" 0
        assert_equal 1 [s aof_enabled]
    }

    test {Writes are appended in RESP, with SELECT and absolute expiry times} {
        aof_fill
        r del nosuch
        set data [read_binary [incr_file]]
        assert_match "*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n*3\r\n\$3\r\nset\r\n\$3\r\nstr\r\n\$5\r\nhello\r\n*" $data
        assert_match "*\$3\r\nSET\r\n\$3\r\nvol\r\n\$1\r\nv\r\n\$4\r\nPXAT\r\n*" $data
        assert_match "*\$3\r\nSET\r\n\$2\r\nfl\r\n\$3\r\n1.5\r\n\$7\r\nKEEPTTL\r\n*" $data
        assert_match "*\$5\r\nMULTI\r\n*m1*m2*\$4\r\nEXEC\r\n*" $data
        assert_no_match "*nosuch*" $data
    }

    test {Restart loads base + incr: same dataset} {
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
        verify_log_message 0 "*DB loaded from append only file*" 0
        verify_log_message 0 "*Opening AOF incr file appendonly.aof.1.incr.aof on server start*" 0
    }

    test {BGREWRITEAOF: new base and incr, history removed, same data after restart} {
        set digest [r debug digest]
        assert_equal {Background append only file rewriting started} [r bgrewriteaof]
        wait_rewrite_done
        assert_equal "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" [manifest]
        assert_equal {appendonly.aof.2.base.rdb appendonly.aof.2.incr.aof appendonly.aof.manifest} \
            [lsort [glob -tails -directory [aof_dir] *]]
        assert_equal 1 [s aof_rewrites]
        assert_equal 1 [s total_forks]
        assert_morethan [s latest_fork_usec] 0
        r set after rewrite
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
    }

    test {aof-use-rdb-preamble no writes the base as commands} {
        r config set aof-use-rdb-preamble no
        r bgrewriteaof
        wait_rewrite_done
        set base [read_binary [file join [aof_dir] appendonly.aof.3.base.aof]]
        assert_match "*2\r\n\$6\r\nSELECT\r\n*SET*PEXPIREAT*" $base
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
        r config set aof-use-rdb-preamble yes
    }

    test {DEBUG LOADAOF reloads the same dataset} {
        set digest [r debug digest]
        assert_equal OK [r debug loadaof]
        assert_equal $digest [r debug digest]
    }

    test {FLUSHALL and FLUSHDB reach the AOF, even on an empty dataset} {
        r select 5
        r flushdb
        r select 0
        r config set save "3600 1"
        r set gone 1
        r flushall
        r config set save ""
        set data [read_binary [incr_file]]
        assert_match "*FLUSHDB*GONE*FLUSHALL*" [string toupper $data]
        restart_server
        assert_equal 0 [r dbsize]
        aof_fill
    }

    test {Expired keys reach the AOF as DEL} {
        r debug set-active-expire 1
        r set shortlived v px 20
        wait_for_condition 100 20 {[r exists shortlived] == 0} else {fail "not expired"}
        r get shortlived
        wait_for_condition 100 20 {[string match "*DEL*shortlived*" [read_binary [incr_file]]]} else {
            fail "no DEL in the AOF"
        }
    }

    test {appendfsync always and no keep working} {
        foreach policy {always no everysec} {
            r config set appendfsync $policy
            r set fsync:$policy 1
        }
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
    }

    test {appendfsync always: every acknowledged write survives kill -9} {
        r config set appendfsync always
        # Pipelined: each reply is only sent after its write was fsynced.
        set rd [redis_deferring_client]
        for {set k 0} {$k < 500} {incr k} {$rd incr durable}
        for {set k 0} {$k < 500} {incr k} {$rd read}
        $rd close
        exec kill -9 [srv 0 pid]
        wait_for_condition 50 100 {![process_is_alive [srv 0 pid]]} else { fail "still alive" }
        restart_server
        assert_equal 500 [r get durable]
        r config set appendfsync everysec
    }

    test {aof-timestamp-enabled writes #TS annotations that load back} {
        r config set aof-timestamp-enabled yes
        r set ts 1
        r config set aof-timestamp-enabled no
        assert_match "*#TS:*ts*" [read_binary [incr_file]]
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
    }

    test {INFO persistence with AOF on has stock's fields} {
        set ours {}
        foreach line [split [r info persistence] \n] {
            if {[regexp {^([a-z_]+):} $line -> n]} {lappend ours $n}
        }
        start_server {binary /usr/bin/redis-server overrides {appendonly yes}} {
            set stock {}
            foreach line [split [r info persistence] \n] {
                if {[regexp {^([a-z_]+):} $line -> n]} {lappend stock $n}
            }
        }
        assert_equal $stock $ours
    }

    test {Stock loads our AOF directory, and ours loads stock's} {
        set digest [r debug digest]
        set copy [copy_dir [lindex [r config get dir] 1]/appendonlydir]
        set parent [file dirname $copy]
        set sdir [file join $::tests_root tmp "aofstock.[pid].[incr ::aof_seq]"]
        file mkdir $sdir
        file rename $copy [file join $sdir appendonlydir]
        start_server [list binary /usr/bin/redis-server overrides [list appendonly yes dir [file normalize $sdir]]] {
            set loaded [r debug digest]
            if {$digest ne $loaded} {
                puts "MISMATCH ours=[keys_per_db -1] stock=[keys_per_db 0]"
                puts [exec ls -l $sdir/appendonlydir]
                foreach f [glob $sdir/appendonlydir/*] {puts "== $f"; puts [string range [read_binary $f] 0 3000]}
            }
            assert_equal $digest $loaded
            r set fromstock 1
            r bgrewriteaof
            wait_rewrite_done
            r set fromstock2 2
            set digest2 [r debug digest]
        }
        start_server [list overrides [list appendonly yes dir [file normalize $sdir]]] {
            assert_equal $digest2 [r debug digest]
        }
        file delete -force $sdir
    }
}

start_server {tags {aof}} {
    test {CONFIG SET appendonly yes at runtime: rewrite makes the base, writes survive} {
        r set before 1
        r config set appendonly yes
        r set during 2
        wait_rewrite_done
        assert_equal 1 [s aof_enabled]
        assert_match "*appendonly.aof.1.base.rdb seq 1 type b*appendonly.aof.1.incr.aof seq 1 type i*" [manifest]
        r set afterwards 3
        r config set appendonly no
        assert_equal 0 [s aof_enabled]
        r set notlogged 4
        r config set appendonly yes
        wait_rewrite_done
        r config rewrite
        set digest [r debug digest]
        restart_server
        assert_equal $digest [r debug digest]
        assert_equal {1 2 3 4} [r mget before during afterwards notlogged]
    }

    test {SHUTDOWN while the initial AOF is written is refused, as stock} {
        # Until the first rewrite is done the files do not hold the data.
        r config set appendonly no
        r debug populate 20
        r config set rdb-key-save-delay 200000
        r config set appendonly yes
        assert_equal 1 [s aof_rewrite_in_progress]
        assert_error {ERR Errors trying to SHUTDOWN. Check logs.} {r shutdown}
        assert_equal PONG [r ping]
        verify_log_message 0 "*Writing initial AOF, can't exit.*" 0
        r config set rdb-key-save-delay 0
        r config set appendonly no
        r config set appendonly yes
        wait_rewrite_done
        r flushall
    }

    test {Children exclude each other: scheduling between BGSAVE and AOF rewrites} {
        r debug populate 2000 sched
        r config set rdb-key-save-delay 1000
        assert_equal {Background saving started} [r bgsave]
        assert_equal {Background append only file rewriting scheduled} [r bgrewriteaof]
        assert_equal 1 [s aof_rewrite_scheduled]
        r config set rdb-key-save-delay 0
        wait_rewrite_done
        wait_for_condition 500 10 {[s rdb_bgsave_in_progress] == 0} else {fail "BGSAVE stuck"}
        r config set rdb-key-save-delay 1000
        r bgrewriteaof
        assert_error {ERR Background append only file rewriting already in progress} {r bgrewriteaof}
        assert_error {ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.} {r bgsave}
        assert_equal {Background saving scheduled} [r bgsave schedule]
        r config set rdb-key-save-delay 0
        wait_rewrite_done
        wait_for_condition 500 10 {[s rdb_bgsave_in_progress] == 0 && [s rdb_saves] > 0} else {
            fail "scheduled BGSAVE did not run"
        }
        r del {*}[r keys sched:*]
        r bgrewriteaof
        wait_rewrite_done
    }

    test {Auto rewrite on growth} {
        r config set auto-aof-rewrite-min-size 1000
        r config set auto-aof-rewrite-percentage 50
        set rewrites [s aof_rewrites]
        for {set i 0} {$i < 200} {incr i} {r set grow:$i [string repeat x 50]}
        wait_for_condition 200 20 {[s aof_rewrites] > $rewrites} else {fail "no automatic rewrite"}
        verify_log_message 0 "*Starting automatic rewriting of AOF on*growth*" 0
        wait_rewrite_done
    }

    test {A truncated last incr file: loaded and cut with aof-load-truncated, refused without} {
        r set last-complete 1
        r set will-be-cut [string repeat y 100]
        set incr [incr_file]
        set data [read_binary $incr]
        set fd [open $incr wb]
        puts -nonewline $fd [string range $data 0 end-20]
        close $fd
        restart_server
        assert_equal 1 [r get last-complete]
        assert_equal 0 [r exists will-be-cut]
        verify_log_message 0 "*AOF*loaded anyway because aof-load-truncated is enabled*" 0
        r set new-after-truncation 1
        r config set aof-load-truncated no
        r config rewrite
        set data [read_binary [incr_file]]
        set fd [open [incr_file] wb]
        puts -nonewline $fd [string range $data 0 end-5]
        close $fd
        catch {restart_server} err
        assert_match "*exited during startup*" $err
        assert_match "*Unexpected end of file reading the append only file*" [read_binary [srv 0 stdout]]
    }
}

# The same commands give byte-identical incr files in stock and ours
# (absolute times only, so both write the same bytes).
set ::aof_diff_cmds {
    {set a 1} {setnx a 2} {setnx b 2} {mset c 3 d 4} {msetnx e 5 c 9} {incr a} {incrby a 10}
    {decr b} {decrby b 3} {append c xyz} {setrange d 5 hello} {del nosuch} {del d}
    {expireat a 4102444800} {pexpireat b 4102444800000} {persist a} {persist nosuch}
    {getdel c} {getdel nosuch} {set f 1 pxat 4102444800000} {set g 1 exat 4102444800}
    {getex f persist} {getex g pxat 4102444800001} {rename f f2} {renamenx f2 b}
    {select 3} {set z 1} {move z 0} {select 0} {copy a a2} {copy a a2 replace}
    {incrbyfloat h 1.5} {incrbyfloat h 2} {multi} {set t1 1} {incr t1} {exec}
    {multi} {get a} {exec} {setbit bits 7 1} {bitop or dest bits bits} {lcs a b}
    {set g2 v keepttl} {set a x get} {getset a y} {getset newkey v} {flushdb} {set last 1} {unlink last} {swapdb 0 1}
}

start_server {tags {aof differential} overrides {appendonly yes}} {
    start_server {tags {aof differential} binary /usr/bin/redis-server overrides {appendonly yes}} {
        test {Incr file bytes match stock for the same commands} {
            foreach cmd $::aof_diff_cmds {
                catch {r {*}$cmd}
                catch {r -1 {*}$cmd}
            }
            r -1 config set appendfsync always
            r config set appendfsync always
            r -1 ping
            set stock [read_binary [incr_file 0]]
            set ours [read_binary [incr_file -1]]
            assert_equal $stock $ours
        }
    }
}

start_server {tags {aof} overrides {appendonly yes}} {
    test {A malformed manifest or a missing listed file: clean start-up error} {
        r set k v
        set mpath [file join [aof_dir] appendonly.aof.manifest]
        set good [read_binary $mpath]
        foreach bad [list "garbage line\n" "file x.aof seq abc type i\n" \
                         "file appendonly.aof.9.incr.aof seq 9 type i\n"] {
            set fd [open $mpath wb]
            puts -nonewline $fd $bad
            close $fd
            catch {restart_server} err
            assert_match "*exited during startup*" $err
            foreach m $::crash_markers {assert_no_match $m [read_binary [srv 0 stdout]]}
        }
        assert_match "*Invalid AOF manifest file format*" [read_binary [srv 0 stdout]]
        assert_match "*can't open the append log file appendonly.aof.9.incr.aof*" [read_binary [srv 0 stdout]]
        set fd [open $mpath wb]
        puts -nonewline $fd $good
        close $fd
        restart_server
        assert_equal v [r get k]
    }
}

# A pre-7.0 appendonly.aof (RDB preamble + commands, or commands only) is
# migrated into the AOF directory exactly as stock does it.
proc write_old_aof {dir with_preamble} {
    set fd [open [file join $dir appendonly.aof] wb]
    if {$with_preamble} {
        # An empty RDB preamble (version 9, zero checksum), then commands.
        puts -nonewline $fd "REDIS0009\xff[string repeat "\x00" 8]"
    }
    puts -nonewline $fd "*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n*3\r\n\$3\r\nSET\r\n\$1\r\na\r\n\$1\r\n1\r\n"
    close $fd
}

foreach preamble {0 1} {
    foreach binary [list {} /usr/bin/redis-server] {
        set dir [file normalize [file join $::tests_root tmp "oldaof.[pid].[incr ::aof_seq]"]]
        file mkdir $dir
        write_old_aof $dir $preamble
        set opts [list tags {aof} overrides [list appendonly yes dir $dir]]
        if {$binary ne {}} {lappend opts binary $binary}
        start_server $opts {
            test "Old-style AOF (preamble $preamble) migrated ([expr {$binary eq {} ? {ours} : {stock}}])" {
                assert_equal 1 [r get a]
                set ::oldaof($preamble,[expr {$binary eq {}}]) \
                    [list [manifest] [lsort [glob -tails -directory [aof_dir] *]] \
                         [file exists [file join $dir appendonly.aof]]]
            }
        }
        file delete -force $dir
    }
    test "Old-style AOF (preamble $preamble): same layout as stock" {
        assert_equal $::oldaof($preamble,0) $::oldaof($preamble,1)
    }
}
