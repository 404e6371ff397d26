# DEBUG and MEMORY: replies compared byte for byte with a stock 7.0.15
# server started alongside (RESP2 and RESP3), DIGEST equality across the two
# servers, SLEEP / SET-ACTIVE-EXPIRE behaviour, and the crash report.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

# Send the same commands to both servers over raw connections and require
# identical reply bytes. Commands prefixed with "!" are sent unchecked.
proc same_replies {cmds} {
    set ours [diff_connect [srv 0 host] [srv 0 port]]
    set stock [diff_connect [srv -1 host] [srv -1 port]]
    foreach cmd $cmds {
        set check 1
        if {[string index [lindex $cmd 0] 0] eq "!"} {
            set check 0
            lset cmd 0 [string range [lindex $cmd 0] 1 end]
        }
        set a [diff_send $ours $cmd]
        set b [diff_send $stock $cmd]
        if {$check} {
            assert_equal [string map {\r\n \\r\\n} $b] [string map {\r\n \\r\\n} $a] $cmd
        }
    }
    close $ours
    close $stock
}

set protocol_types {string integer double bignum null array set map attrib push verbatim true false nosuchtype}

start_server [list tags {debug} binary $stock_binary] {
    start_server {tags {debug}} {
        test {DEBUG PROTOCOL replies match stock in RESP2} {
            set cmds {}
            foreach t $protocol_types {lappend cmds [list debug protocol $t]}
            same_replies $cmds
        }

        test {DEBUG PROTOCOL replies match stock in RESP3} {
            set cmds {{!hello 3}}
            foreach t $protocol_types {lappend cmds [list debug protocol $t]}
            same_replies $cmds
        }

        test {DEBUG and MEMORY HELP and error replies match stock} {
            same_replies {
                {debug help} {memory help} {debug nosuchsub} {memory nosuchsub}
                {debug} {debug sleep} {debug set-active-expire} {debug object}
                {debug object nokey} {debug sdslen nokey} {debug htstats 99}
                {debug htstats abc} {debug htstats-key nokey}
                {debug populate -1} {debug populate abc}
                {debug error "SOMEERR a message"} {debug structsize}
                {debug quicklist-packed-threshold 5gb}
                {debug quicklist-packed-threshold 0}
                {debug replybuffer peak-reset-time abc}
                {debug replybuffer resizing 1} {debug pause-cron 0}
                {debug set-active-expire 1} {debug change-repl-id}
                {debug log hello} {debug sleep 0} {debug digest-value}
                {memory usage nokey} {memory usage nokey samples 5}
                {memory purge} {memory doctor}
            }
        }

        test {DEBUG DIGEST of an empty dataset is all zeros} {
            r flushall
            assert_equal [string repeat 0 40] [r debug digest]
        }

        test {DEBUG DIGEST and DIGEST-VALUE equal stock's for the same data} {
            same_replies {
                {!flushall} {debug digest}
                {set a b} {debug digest}
                {set n 12345} {set neg -7} {set big 12345678901234567890}
                {set long "a long value of more than forty-four bytes to be raw encoded"}
                {debug digest}
                {debug digest-value a n neg big long nokey}
                {set ttl value} {pexpire ttl 1000000} {debug digest}
                {debug digest-value ttl}
                {select 5} {set in5 v} {debug digest} {select 0}
            }
        }

        test {DEBUG DIGEST is independent of insertion order} {
            r flushall
            r set x 1
            r set y 2
            set d1 [r debug digest]
            r flushall
            r set y 2
            r set x 1
            assert_equal $d1 [r debug digest]
            r set y 3
            assert_not_equal $d1 [r debug digest]
        }

        test {DEBUG OBJECT format} {
            r flushall
            r set s hello
            r set i 42
            set reply [r debug object s]
            assert_match {Value at:0x* refcount:1 encoding:embstr serializedlength:6 lru:* lru_seconds_idle:*} $reply
            assert_match {*encoding:int serializedlength:2 *} [r debug object i]
            assert_error {ERR no such key} {r debug object nokey}
        }

        test {DEBUG SDSLEN and MEMORY USAGE of strings match stock} {
            needs_allocator jemalloc
            set big [string repeat x 100]
            same_replies [list \
                {!flushall} {set a b} {set hello world} {set n 12345} \
                [list set big $big] [list set kkkkkkkkkkkkkkkkkkkkkkkk $big] \
                {memory usage a} {memory usage hello} {memory usage n} \
                {memory usage big} {memory usage kkkkkkkkkkkkkkkkkkkkkkkk} \
                {memory usage a samples 0} \
                {debug sdslen a} {debug sdslen n} {debug object nokey}]
        }

        test {DEBUG POPULATE creates keys like stock} {
            same_replies {
                {!flushall} {debug populate 10} {dbsize} {get key:0} {get key:9}
                {debug populate 3 pre 10} {get pre:2} {debug populate 3 pre 4} {get pre:1}
                {debug populate 5} {dbsize} {debug digest}
            }
        }

        test {DEBUG SLEEP blocks the server} {
            set start [clock milliseconds]
            assert_equal OK [r debug sleep 0.2]
            assert_morethan_equal [expr {[clock milliseconds] - $start}] 190
            assert_equal OK [r debug sleep 0]
        }

        test {DEBUG SET-ACTIVE-EXPIRE 0 keeps expired keys in memory} {
            r flushall
            r debug set-active-expire 0
            r psetex k 50 v
            after 300
            assert_equal 1 [r dbsize]
            r debug set-active-expire 1
            wait_for_condition 50 20 {[r dbsize] == 0} else {fail "key not expired"}
        }

        test {DEBUG HTSTATS output} {
            r flushall
            r set a 1
            set stats [r debug htstats 0]
            set head "\[Dictionary HT\]\nHash table 0 stats (main hash table):\n table size: "
            assert_equal 0 [string first $head $stats]
            assert {[string first " number of elements: 1\n" $stats] > 0}
            set tail "\[Expires HT\]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
            assert_equal [expr {[string length $stats] - [string length $tail]}] [string first $tail $stats]
        }

        test {DEBUG LOG writes to the server log} {
            r debug log "marker-for-debug-log"
            wait_for_log_messages 0 {"*DEBUG LOG: marker-for-debug-log*"} 0 50 20
        }

        test {MEMORY STATS fields} {
            r flushall
            r set a b
            set stats [r memory stats]
            set keys {}
            foreach {k v} $stats {lappend keys $k}
            set stock_keys {}
            r -1 flushall
            r -1 set a b
            foreach {k v} [r -1 memory stats] {lappend stock_keys $k}
            assert_equal $stock_keys $keys
            assert_equal 1 [dict get $stats keys.count]
        }
    }
}

# Crash reporting, on a server started by hand (start_server would flag the
# crash report as a failure).
proc crash_server_run {subcommand} {
    set dir [file join $::tests_root tmp crash.[pid].[incr ::crash_seq]]
    file mkdir $dir
    set port [find_available_port]
    set log [file join $dir log]
    set status [file join $dir status]
    exec sh -c "'$::server_binary' --port $port --save '' --logfile '$log' --enable-debug-command yes --dir '$dir'; echo \$? > '$status'" &
    wait_for_condition 100 20 {[catch {set c [redis 127.0.0.1 $port]}] == 0} else {fail "server did not start"}
    catch {$c debug $subcommand}
    catch {$c close}
    wait_for_condition 100 50 {[file exists $status] && [file size $status] > 0} else {fail "server did not exit"}
    set fd [open $log]
    set text [read $fd]
    close $fd
    set fd [open $status]
    set code [string trim [read $fd]]
    close $fd
    file delete -force $dir
    return [list $code $text]
}

tags {debug} {
    test {DEBUG SEGFAULT logs a crash report and dies of SIGSEGV} {
        lassign [crash_server_run segfault] code text
        assert_equal 139 $code
        assert_match "*Redis 7.0.15 crashed by signal: 11*" $text
        assert_match "*------ STACK TRACE ------*debugCommand*" $text
        assert_match "*------ INFO OUTPUT ------*redis_version:7.0.15*" $text
        assert_match {*argv?1?: 'segfault'*} $text
    }

    test {DEBUG ASSERT and PANIC abort with a crash report} {
        lassign [crash_server_run assert] code text
        assert_equal 134 $code
        assert_match "*ASSERTION FAILED*crashed by signal: 6*" $text
        lassign [crash_server_run panic] code text
        assert_equal 134 $code
        assert_match "*DEBUG PANIC called at Unix time*crashed by signal: 6*" $text
    }
}

start_server {tags {debug} overrides {enable-debug-command no}} {
    test {DEBUG is refused when enable-debug-command is no} {
        assert_error {ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.} {r debug sleep 0}
    }
}

start_server {tags {debug} overrides {enable-debug-command local}} {
    test {DEBUG is allowed from a local connection when set to local} {
        assert_equal OK [r debug sleep 0]
    }
}
