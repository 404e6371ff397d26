# What scripts propagate, against stock redis-server 7.0.15: effects
# replication (the only kind in 7.0) sends the writes a script made, in
# MULTI/EXEC when there is more than one, never the EVAL/FCALL itself; a
# script that writes nothing sends nothing. Read through a connection that
# acts as a replica (PSYNC) on both servers, compared byte for byte; then
# a real replica of ours gets the same data from a non-deterministic
# script, and the AOF holds the effects.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

# The propagated commands of `cmds` (run on a fresh connection), masked
# where the servers' clocks show.
proc sp_propagated {port repl cmds} {
    set ctl [diff_connect 127.0.0.1 $port]
    try {
        diff_send $ctl {flushall}
        diff_propagated_until $repl $ctl start
        set out {}
        foreach cmd $cmds {lappend out [diff_send $ctl $cmd]}
        foreach p [diff_propagated_until $repl $ctl end] {
            set p [regsub -all {\$\d+\r\nt:\d+\r\n} $p {<time>}]
            lappend out [regsub -all {\$13\r\n\d{13}\r\n} $p {<unix-ms>}]
        }
    } finally {
        close $ctl
    }
    return $out
}

set scenarios {
    "one write: the command alone" {
        {eval "redis.call('set','a','1') return 1" 0}
    }
    "several writes: MULTI/EXEC around them" {
        {eval "redis.call('set','a','1') redis.call('incr','a') redis.call('lpush','l','x','y') return 1" 0}
    }
    "reads only: nothing" {
        {set a 1}
        {eval "return redis.call('get','a')" 0}
    }
    "a failed write inside pcall: the others only" {
        {set s str}
        {eval "redis.pcall('lpush','s','x') redis.call('set','b','2') return 1" 0}
    }
    "SELECT inside the script" {
        {eval "redis.call('set','a','0') redis.call('select','3') redis.call('set','c','3') return 1" 0}
        {set after 1}
    }
    "EVALSHA and FCALL" {
        {script load "redis.call('set',KEYS[1],ARGV[1]) return 1"}
        {evalsha f64d9680f576cae479db7681e54f7830d7e73ae6 1 k v}
        {function load "#!lua name=sp\nredis.register_function('w', function(k, a) redis.call('set', k[1], a[1]) redis.call('expire', k[1], 100) end)"}
        {fcall w 1 fk fv}
    }
    "TIME in a write: its value, not the script" {
        {eval "local t = redis.call('time') redis.call('set','ts','t:'..t[1]) return 1" 0}
    }
    "inside MULTI/EXEC: one transaction" {
        {multi}
        {set m 1}
        {eval "redis.call('incr','m') redis.call('set','n','1') return 1" 0}
        {exec}
    }
}

start_server [list tags {scripting differential} binary $stock_binary overrides {repl-diskless-sync no}] {
    start_server {tags {scripting differential} overrides {repl-diskless-sync no}} {
        set ours_port [srv 0 port]
        set stock_port [srv -1 port]
        set ours_repl [diff_replica $ours_port]
        set stock_repl [diff_replica $stock_port]
        foreach {name cmds} $scenarios {
            test "Script propagation, $name: as stock" {
                set ours [sp_propagated $ours_port $ours_repl $cmds]
                set stock [sp_propagated $stock_port $stock_repl $cmds]
                if {$ours ne $stock} {
                    set fmt {x {string map {\r\n \\r\\n} $x}}
                    fail "ours:\n    [join [lmap x $ours {apply $fmt $x}] "\n    "]\nstock:\n    [join [lmap x $stock {apply $fmt $x}] "\n    "]"
                }
            }
        }
        close $ours_repl
        close $stock_repl
    }
}

start_server {tags {scripting} overrides {appendonly yes repl-diskless-sync-delay 0}} {
    start_server {} {
        test {A non-deterministic script: the replica and the AOF get its effects} {
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 50 100 {[string match "*master_link_status:up*" [r info replication]]} else {
                fail "no link"
            }
            set m [srv -1 client]
            $m sadd pool a b c d e f g h
            $m eval {redis.call('set','picked',redis.call('spop','pool')) redis.call('set','now',redis.call('time')[2]) return 1} 0
            wait_for_condition 50 100 {[$m debug digest] eq [r debug digest]} else {
                fail "the replica's data differs: [r get picked]/[$m get picked]"
            }
            set dir [lindex [$m config get dir] 1]
            set aof [file join $dir appendonlydir appendonly.aof.1.incr.aof]
            wait_for_condition 50 100 {[string match "*picked*" [read_binary $aof]]} else {
                fail "not in the AOF"
            }
            assert_no_match "*eval*" [string tolower [read_binary $aof]]
        }
    }
}
