# Self-test of the test framework (client, server handling, helpers).
# Runs against the stock server for now; drop the "binary" option to run it
# against our own server.

start_server {tags {framework} binary /usr/bin/redis-server} {
    test {SET and GET through r} {
        r set foo bar
        r get foo
    } {bar}

    test {srv accessors describe a live server} {
        assert_equal [srv 0 host] 127.0.0.1
        assert_range [srv 0 port] $::base_port [expr {$::base_port + $::port_count - 1}]
        assert_equal [srv port] [srv 0 port]
        assert {[process_is_alive [srv 0 pid]]}
        assert {[file isdirectory [srv 0 dir]]}
        assert {[file exists [srv 0 stdout]]}
        assert_equal [lindex [r config get dir] 1] [srv 0 dir]
        assert_equal [lindex [r config get save] 1] {}
    }

    test {Binary-safe bulk strings} {
        set v "a\r\nb\x00c\xff\xfe$"
        r set bin $v
        assert_equal [string length [r get bin]] [string length $v]
        assert_equal [r get bin] $v
        r set empty ""
        assert_equal [r get empty] {}
        assert_equal [r strlen empty] 0
    }

    test {Integers, nulls and arrays in RESP2} {
        r del list
        assert_equal [r rpush list a b c] 3
        assert_equal [r lrange list 0 -1] {a b c}
        assert_equal [r get nosuchkey] {}
        assert_equal [r exists nosuchkey] 0
    }

    test {Error replies raise Tcl errors} {
        assert_error {ERR unknown command*} {r nosuchcommand}
        r set str x
        assert_error {WRONGTYPE*} {r lpush str y}
        # the connection is still usable afterwards
        assert_equal [r ping] PONG
    }

    test {Error inside an aggregate reply keeps the connection in sync} {
        r del k
        r set k v
        r multi
        r incr counter
        r lpush k x
        r incr counter
        assert_error {WRONGTYPE*} {r exec}
        assert_equal [r get counter] 2
        assert_equal [r ping] PONG
    }

    test {Raw reading mode returns protocol lines} {
        set c [redis_client]
        $c readraw 1
        assert_equal [$c set k v] {+OK}
        assert_equal [$c get k] {$1}
        assert_equal [$c read] {v}
        assert_equal [$c incr k] {-ERR value is not an integer or out of range}
        $c close
    }

    test {Raw write of an inline command} {
        set c [redis_client]
        $c deferred 1
        $c write "PING\r\n"
        assert_equal [$c read] PONG
        $c close
    }

    test {RESP3 via HELLO 3: maps, doubles, nulls, sets} {
        set c [redis_client]
        set hello [$c hello 3]
        assert_equal [dict get $hello proto] 3
        assert_equal [dict get $hello server] redis
        $c del h z s
        $c hset h f1 v1 f2 v2
        assert_equal [dict get [$c hgetall h] f2] v2
        assert_equal [llength [$c hgetall h]] 4
        $c zadd z 1.5 m
        assert_equal [$c zscore z m] 1.5
        assert_equal [$c get nosuchkey] {}
        $c sadd s a b
        assert_equal [lsort [$c smembers s]] {a b}
        assert_error {*WRONGTYPE*} {$c get h}
        $c close
    }

    test {RESP3 special types via DEBUG PROTOCOL} {
        set c [redis_client]
        $c hello 3
        assert_equal [$c debug protocol true] 1
        assert_equal [$c debug protocol false] 0
        assert_equal [$c debug protocol null] {}
        assert_equal [$c debug protocol bignum] 1234567999999999999999999999999999999
        assert_equal [$c debug protocol verbatim] "This is a verbatim\nstring"
        assert_equal [$c debug protocol double] 3.141
        assert_equal [$c debug protocol map] {0 0 1 1 2 0}
        assert_equal [$c debug protocol attrib] {Some real reply following the attribute}
        assert_match {*key-popularity*} [$c attributes]
        $c close
    } {} {needs:debug}

    test {RESP3 push messages} {
        set c [redis_client]
        $c hello 3
        assert_equal [$c subscribe chan] {subscribe chan 1}
        r publish chan hello
        assert_equal [$c read] {message chan hello}
        $c close
    }

    test {Deferred client: blocking pop woken by another client} {
        set rd [redis_deferring_client]
        r del blist
        $rd blpop blist 5
        wait_for_condition 100 10 {
            [s blocked_clients] == 1
        } else {
            fail "client never blocked"
        }
        r lpush blist hello
        assert_equal [$rd read] {blist hello}
        $rd close
    }

    test {Deferred client pipelining} {
        set rd [redis_deferring_client]
        for {set i 0} {$i < 100} {incr i} {$rd incr pipe}
        for {set i 1} {$i <= 100} {incr i} {assert_equal [$rd read] $i}
        $rd close
    }

    test {wait_for_condition waits for key expiry} {
        r set volatile 1 px 50
        wait_for_condition 100 10 {
            [r exists volatile] == 0
        } else {
            fail "key did not expire"
        }
    }

    test {wait_for_condition runs the else branch on timeout} {
        assert_error {*never true*} {
            wait_for_condition 3 1 {0} else {fail "never true"}
        }
    }

    test {wait_for_log_messages finds a DEBUG LOG line} {
        set from [count_log_lines 0]
        r debug log "framework-marker-42"
        set found [wait_for_log_messages 0 {"*framework-marker-42*"} $from 100 10]
        assert_morethan_equal [lindex $found 0] $from
    } {} {needs:debug}

    test {Assertion helpers} {
        assert_match {f*o} foo
        assert_no_match {x*} foo
        assert_morethan 2 1
        assert_lessthan 1 2
        assert_morethan_equal 2 2
        assert_lessthan_equal 2 2
        assert_not_equal a b
        r del l h
        r rpush l 1 2 3
        assert_type list l
        r hset h f v
        assert_encoding listpack h
        assert_error {*Expected 'a' to be equal to 'b'*} {assert_equal a b}
        assert_error {*to be between*} {assert_range 10 1 5}
        assert_error {*Expected an error*} {assert_error * {set x 1}}
    }

    test {Expected value form of test} {
        r set x 10
        r incrby x 5
    } {15}

    test {Tag filtering} {
        set saved $::tag_filter
        set ::tag_filter {-framework-excluded}
        set skipped_before $::num_skipped
        tags {framework-excluded} {
            test {must be skipped} {error "this test must not run"}
        }
        set ::tag_filter $saved
        assert_equal [expr {$::num_skipped - $skipped_before}] 1
        set ::tag_filter {wanted}
        assert_equal [tags_acceptable {a wanted}] 1
        assert_equal [tags_acceptable {a b}] 0
        set ::tag_filter {-unwanted}
        assert_equal [tags_acceptable {a}] 1
        assert_equal [tags_acceptable {a unwanted}] 0
        set ::tag_filter $saved
        assert {[lsearch $::tags framework] >= 0}
    }

    test {Nested servers: r -1 / srv -1 reach the outer server} {
        r set where outer
        set outer_port [srv 0 port]
        start_server {binary /usr/bin/redis-server overrides {maxmemory 1mb}} {
            assert_not_equal [srv 0 port] $outer_port
            assert_equal [srv -1 port] $outer_port
            r set where inner
            assert_equal [r get where] inner
            assert_equal [r -1 get where] outer
            assert_equal [lindex [r config get maxmemory] 1] 1048576
            assert_equal [lindex [r -1 config get maxmemory] 1] 0
            set inner_pid [srv 0 pid]
        }
        # inner server is stopped once its block ends
        wait_for_condition 100 10 {
            ![process_is_alive $inner_pid]
        } else {
            fail "inner server still running"
        }
        assert_equal [r get where] outer
    }

    test {restart_server keeps data saved to disk} {
        r flushall
        r set persistent yes
        r save
        set oldpid [srv 0 pid]
        restart_server
        assert_not_equal [srv 0 pid] $oldpid
        assert_equal [r get persistent] yes
    }
}

start_server {tags {framework} binary /usr/bin/redis-server args {--hz 17}} {
    test {Extra command line arguments are passed} {
        lindex [r config get hz] 1
    } {17}
}

set cfgfile [file join $::tests_root tmp framework.[pid].conf]
set fd [open $cfgfile w]
puts $fd "# base config for the framework test"
puts $fd "maxmemory-policy allkeys-lru"
puts $fd "port 1"
close $fd
start_server [list tags {framework} binary /usr/bin/redis-server config $cfgfile] {
    test {Base config file is used, port and dir still ours} {
        assert_equal [lindex [r config get maxmemory-policy] 1] allkeys-lru
        assert_range [srv 0 port] $::base_port [expr {$::base_port + $::port_count - 1}]
    }
}
file delete $cfgfile

# The log scan run when a server stops must see sanitizer reports (ASan,
# LSan, UBSan's "runtime error:"), or a sanitizer suite run proves nothing.
test {Sanitizer reports in a server log count as a crash} {
    set log [file join $::tests_root tmp framework.[pid].log]
    set clean [file join $::tests_root tmp framework.[pid].clean]
    set fd [open $clean w]; puts $fd "1:M 04 Dec 2026 * Ready to accept connections"; close $fd
    set info [dict create stdout $clean stderr $clean]
    assert_equal {} [check_crash_logs $info]
    foreach report {
        "==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020"
        "==123==ERROR: LeakSanitizer: detected memory leaks"
        "t_list.c:42:17: runtime error: signed integer overflow: 1 + 9223372036854775807"
    } {
        set fd [open $log w]; puts $fd "ok line\n$report\n    #0 0x55 in main"; close $fd
        dict set info stderr $log
        assert_match "*$report*" [check_crash_logs $info]
    }
    file delete $log $clean
}
