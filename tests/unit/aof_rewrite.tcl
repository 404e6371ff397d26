# AOF rewrites in command form (aof-use-rdb-preamble no, src/aof_rewrite.c)
# for every type, interchangeable with stock 7.0.15: our base file has the
# commands stock writes (batches of 64, streams with XSETID / XGROUP /
# XCLAIM, FUNCTION LOAD), redis-check-aof accepts it, and a dataset moved
# either way between the servers through such a file keeps its DEBUG
# DIGEST and every key's value, encoding, TTL and stream metadata.

source [file join $::tests_root helpers aof.tcl]
source [file join $::tests_root helpers typed_dataset.tcl]

# The typed dataset plus streams, a function library, a plain list node,
# volatile keys and several databases. (No -0 score: a skiplist's -0 that
# lands in the first 128 ZADD items on load becomes 0 in the listpack the
# key starts as, in stock exactly as here.)
proc build_aof_dataset {level} {
    build_typed_dataset $level
    r $level function flush
    build_stream_dataset $level
    r $level function load "#!lua name=aoflib\nredis.register_function('aoff', function() return 1 end)"
    r $level debug quicklist-packed-threshold 100
    r $level rpush l_plain a [string repeat P 300] b
    r $level debug quicklist-packed-threshold 1073741824
    r $level set s_ttl v
    r $level pexpireat s_ttl 4102444800000
    r $level select 2
    r $level set two 2
    r $level hset h2 a 1
    r $level pexpireat h2 4102444800000
    r $level select 9
    r $level xadd x9 1-1 f v
    r $level xgroup create x9 g 0
    r $level select 0
}

# The base file named in the manifest of the server at level.
proc base_path {level} {
    regexp {file (\S+) seq \d+ type b} [manifest $level] -> name
    file join [aof_dir $level] $name
}

# {command key argc} of every command of a command-form AOF file, sorted:
# what two servers' rewrites of one dataset share (the order inside a
# hashtable and the delivery times written for pending entries differ).
proc aof_shape {path} {
    set data [read_binary $path]
    set pos 0
    set out {}
    while {$pos < [string length $data]} {
        if {[string index $data $pos] eq "#"} {
            set pos [expr {[string first "\n" $data $pos] + 1}]
            continue
        }
        set eol [string first "\r\n" $data $pos]
        set argc [string range $data $pos+1 $eol-1]
        set pos [expr {$eol + 2}]
        set args {}
        for {set i 0} {$i < $argc} {incr i} {
            set eol [string first "\r\n" $data $pos]
            set len [string range $data $pos+1 $eol-1]
            set start [expr {$eol + 2}]
            if {$i < 2} {lappend args [string range $data $start [expr {$start + $len - 1}]]}
            set pos [expr {$start + $len + 2}]
        }
        lappend out [list {*}$args $argc]
    }
    return [lsort $out]
}

proc rewrite_and_wait {level} {
    r $level bgrewriteaof
    wait_rewrite_done $level
}

# A new server directory holding a copy of the AOF directory of level.
proc aof_copy_dir {level} {
    set dir [file normalize [file join $::tests_root tmp "aofrw.[pid].[incr ::aof_seq]"]]
    file mkdir $dir
    file rename [copy_dir [aof_dir $level]] [file join $dir appendonlydir]
    return $dir
}

proc check_aof_ok {level} {
    set out [exec /usr/bin/redis-check-aof [file join [aof_dir $level] appendonly.aof.manifest]]
    assert_match {*All AOF files and manifest are valid*} $out
}

# Starts binary (empty: ours) on a copy of level's AOF directory and
# checks it loads the same dataset as level has.
proc assert_loads_same {level binary} {
    set digest [r $level debug digest]
    set views [dataset_views $level]
    set dir [aof_copy_dir $level]
    set opts [list overrides [list appendonly yes aof-use-rdb-preamble no dir $dir]]
    if {$binary ne {}} {lappend opts binary $binary}
    start_server $opts {
        assert_equal $digest [r debug digest]
        assert_equal $views [dataset_views]
    }
    file delete -force $dir
}

start_server {tags {aof} overrides {appendonly yes aof-use-rdb-preamble no}} {
    start_server {tags {aof} binary /usr/bin/redis-server overrides {appendonly yes aof-use-rdb-preamble no}} {
        test {Command-form rewrite of every type: stock's commands and batches} {
            build_aof_dataset -1
            build_aof_dataset 0
            rewrite_and_wait -1
            rewrite_and_wait 0
            assert_match {*.base.aof} [base_path -1]
            assert_match "\*3\r\n\$8\r\nFUNCTION\r\n\$4\r\nLOAD\r\n*" [read_binary [base_path -1]]
            assert_equal [aof_shape [base_path 0]] [aof_shape [base_path -1]]
        }

        test {redis-check-aof (stock) accepts our command-form AOF} {
            check_aof_ok -1
        }

        test {Ours reloads its command-form AOF with the same dataset} {
            set digest [r -1 debug digest]
            set views [dataset_views -1]
            assert_equal OK [r -1 debug loadaof]
            assert_equal $digest [r -1 debug digest]
            assert_equal $views [dataset_views -1]
        }

        test {Stock loads our command-form AOF with the same dataset} {
            assert_loads_same -1 /usr/bin/redis-server
        }

        test {Ours loads stock's command-form AOF with the same dataset} {
            assert_loads_same 0 {}
        }

        test {A pending entry whose message was deleted is dropped on reload, as in stock} {
            foreach level {0 -1} {
                r $level xadd x_gone 1-1 a 1
                r $level xadd x_gone 2-1 a 2
                r $level xgroup create x_gone g 0
                r $level xreadgroup group g c streams x_gone >
                r $level xdel x_gone 1-1
                rewrite_and_wait $level
                r $level debug loadaof
            }
            assert_equal {1 2-1 2-1 {{c 1}}} [r -1 xpending x_gone g]
            assert_equal [r 0 xpending x_gone g] [r -1 xpending x_gone g]
        }
    }
}

start_server {tags {aof}} {
    test {CONFIG SET appendonly yes with the preamble off writes a command-form base} {
        build_aof_dataset 0
        r config set aof-use-rdb-preamble no
        r config set aof-timestamp-enabled yes
        r config set appendonly yes
        wait_rewrite_done
        assert_match "file appendonly.aof.1.base.aof seq 1 type b\n*" [manifest]
        # As stock: the time of the rewrite first, then the libraries.
        assert_match "#TS:*\r\n\*3\r\n\$8\r\nFUNCTION*" [read_binary [base_path 0]]
        check_aof_ok 0
        set digest [r debug digest]
        set views [dataset_views]
        r config rewrite
        restart_server
        assert_equal $digest [r debug digest]
        assert_equal $views [dataset_views]
    }
}
