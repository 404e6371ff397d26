# Blocked XREAD / XREADGROUP against stock redis-server 7.0.15: what the
# blocked client hears when its key is deleted, overwritten, flushed,
# swapped or moved away, when its group is destroyed, on timeout and on
# CLIENT UNBLOCK (RESP2 and RESP3), and what serving it propagates to
# replicas. Each scenario runs on both servers and the raw bytes must be
# identical. The paths that answer at once: tests/diff/stream_blocking.txt.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

# An INFO field, read over a raw connection.
proc sb_info {fd field} {
    set info [diff_send $fd {info everything}]
    if {![regexp "\r\n$field:(\[^\r\n\]*)" $info -> value]} {set value {}}
    return $value
}

proc sb_wait_blocked {fd n} {
    wait_for_condition 200 10 {[sb_info $fd blocked_clients] == $n} else {
        fail "expected $n blocked clients, have [sb_info $fd blocked_clients]"
    }
}

# One step on the controlling connection. Besides commands: "@gone key"
# waits until key has expired, "@cmdstat name" is the commandstats line of
# a command without its timings. "@ID" in a command is the blocked client's
# id.
proc sb_step {ctl step id} {
    switch -- [lindex $step 0] {
        @gone {
            set key [lindex $step 1]
            wait_for_condition 200 10 {[diff_send $ctl [list exists $key]] eq ":0\r\n"} else {
                fail "$key did not expire"
            }
            return gone
        }
        @cmdstat {
            set info [diff_send $ctl {info commandstats}]
            regexp "cmdstat_[lindex $step 1]:calls=(\\d+),\[^\r\n\]*,rejected_calls=(\\d+),failed_calls=(\\d+)" \
                $info -> calls rejected failed
            return "calls=$calls rejected=$rejected failed=$failed"
        }
    }
    return [diff_send $ctl [string map [list @ID $id] $step]]
}

# Empty the databases (no client of an earlier scenario still blocked)
# and run the setup commands.
proc sb_prepare {ctl setup} {
    diff_send $ctl {flushall}
    sb_wait_blocked $ctl 0
    foreach cmd $setup {diff_send $ctl $cmd}
}

proc sb_send {fd argv} {
    puts -nonewline $fd [diff_encode $argv]
    flush $fd
}

# Run one scenario on a server: setup on emptied databases, then clients
# (speaking RESP3 if resp is 3) send the blocks commands, one each, and
# block, in that order; the steps run on another connection. Whatever they
# did, each client is released at the end with CLIENT UNBLOCK ... TIMEOUT:
# :0 and the reply it already got, or :1 and the timeout reply when it was
# still waiting. With release "timeout" the clients' own timeouts end them
# instead. Returns every reply.
proc sb_run {port setup blocks steps resp release} {
    set ctl [diff_connect 127.0.0.1 $port]
    set cls {}
    # A failed scenario must not leave its clients blocked for the next one.
    try {
        sb_prepare $ctl $setup
        set ids {}
        foreach block $blocks {
            set cl [diff_connect 127.0.0.1 $port]
            lappend cls $cl
            if {$resp == 3} {diff_send $cl {hello 3}}
            lappend ids [string range [diff_send $cl {client id}] 1 end-2]
            sb_send $cl $block
            if {$release ne "timeout"} {sb_wait_blocked $ctl [llength $cls]}
        }
        set out {}
        foreach step $steps {lappend out [sb_step $ctl $step [lindex $ids 0]]}
        foreach cl $cls id $ids {
            if {$release ne "timeout"} {
                lappend out [diff_send $ctl [list client unblock $id timeout]]
            }
            lappend out [diff_read_reply $cl]
        }
        sb_wait_blocked $ctl 0
    } finally {
        foreach cl $cls {close $cl}
        close $ctl
    }
    return $out
}

proc sb_format {replies} {
    set out {}
    foreach r $replies {lappend out [string map {\r\n \\r\\n} $r]}
    return [join $out "\n    "]
}

# The same scenario with a replica listening: the replies and what was
# propagated from the moment the client blocks.
proc sb_run_propagated {port repl setup block steps} {
    set ctl [diff_connect 127.0.0.1 $port]
    set cl [diff_connect 127.0.0.1 $port]
    try {
        sb_prepare $ctl $setup
        diff_propagated_until $repl $ctl start
        sb_send $cl $block
        sb_wait_blocked $ctl 1
        set out {}
        foreach step $steps {lappend out [diff_send $ctl $step]}
        lappend out [diff_read_reply $cl]
        lappend out {*}[diff_propagated_until $repl $ctl end]
    } finally {
        close $cl
        close $ctl
    }
    return $out
}

set G {{xgroup create s g $ mkstream}}
set XRG {xreadgroup group g c block 0 streams s >}
set XR {xread block 0 streams s $}

# Scenarios: name setup block steps ?resp? ?release? (see sb_run, which
# "@ID" in a step names the first blocked client in); scm takes a list of
# commands that block, one client each.
set scenarios {}
proc sc {name setup block args} {lappend ::scenarios [list $name $setup [list $block] {*}$args]}
proc scm {args} {lappend ::scenarios $args}
sc {XREADGROUP, key deleted} $G $XRG {{del s} {xadd s 1-1 a 1}}
sc {XREADGROUP, key unlinked} $G $XRG {{unlink s}}
sc {XREADGROUP, key deleted then set to a string} $G $XRG {{del s} {set s x}}
sc {XREADGROUP, SET over the stream} $G $XRG {{set s x}}
sc {XREADGROUP, DEL and SET in MULTI} $G $XRG {{multi} {del s} {set s x} {exec}}
sc {XREADGROUP, DEL and RPUSH in MULTI} $G $XRG {{multi} {del s} {rpush s a} {exec} {lrange s 0 -1}}
sc {XREADGROUP, XADD then DEL in MULTI} $G $XRG {{multi} {xadd s 1-1 a 1} {del s} {exec}}
sc {XREADGROUP, RENAME of a string over it} [concat $G {{set str v}}] $XRG {{rename str s}}
sc {XREADGROUP, RENAME of it away} $G $XRG {{rename s t}}
sc {XREADGROUP, RENAME of a stream with the group over it} \
    [concat $G {{xadd x 1-1 a 1} {xgroup create x g 0}}] $XRG {{rename x s}}
sc {XREADGROUP, SUNIONSTORE over it} [concat $G {{sadd x 1}}] $XRG {{sunionstore s x}}
sc {XREADGROUP, COPY REPLACE of a stream with the group and entries} \
    [concat $G {{xadd x 1-1 a 1} {xgroup create x g 0}}] $XRG {{copy x s replace}}
sc {XREADGROUP, COPY REPLACE of a stream without the group} \
    [concat $G {{xadd x 1-1 a 1}}] $XRG {{copy x s replace}}
sc {XREADGROUP, key expires} $G $XRG {{pexpire s 1} {@gone s}}
sc {XREADGROUP, FLUSHALL} $G $XRG {{flushall}}
sc {XREADGROUP, FLUSHALL ASYNC} $G $XRG {{flushall async}}
sc {XREADGROUP, FLUSHDB} $G $XRG {{flushdb}}
sc {XREADGROUP, SWAPDB with an empty db} $G $XRG {{swapdb 0 1}}
sc {XREADGROUP, SWAPDB with the group and entries there} \
    [concat $G {{select 1} {xadd s 1-1 a 1} {xgroup create s g 0} {select 0}}] $XRG {{swapdb 0 1}}
sc {XREADGROUP, SWAPDB with the group but no new entries there} \
    [concat $G {{select 1} {xadd s 1-1 a 1} {xgroup create s g $} {select 0}}] $XRG {{swapdb 0 1}}
sc {XREADGROUP, SWAPDB with a stream without the group there} \
    [concat $G {{select 1} {xadd s 1-1 a 1} {select 0}}] $XRG {{swapdb 0 1}}
sc {XREADGROUP, MOVE to another db} $G $XRG {{move s 1}}
sc {XREADGROUP, DEL and re-create with the group in MULTI} $G $XRG \
    {{multi} {del s} {xgroup create s g $ mkstream} {exec} {xadd s 1-1 a 1}}
sc {XREADGROUP, DEL and XADD in MULTI} $G $XRG {{multi} {del s} {xadd s 1-1 a 1} {exec}}
sc {XREADGROUP, DEL and XADD in a script} $G $XRG \
    {{eval "redis.call('del','s') redis.call('xadd','s','1-1','a','1')" 0}}
sc {XREADGROUP, XGROUP DESTROY} $G $XRG {{xgroup destroy s g}}
sc {XREADGROUP on two keys, one deleted} [concat $G {{xgroup create t g $ mkstream}}] \
    {xreadgroup group g c block 0 streams s t > >} {{del s} {xadd t 1-1 a 1}}
sc {XREADGROUP, XDEL empties the stream} \
    [concat $G {{xadd s 1-1 a 1} {xreadgroup group g x streams s >}}] $XRG {{xdel s 1-1}}
sc {XREADGROUP, DEBUG RELOAD, then XADD} $G $XRG {{debug reload} {xadd s 1-1 a 1}}
sc {XREADGROUP, FLUSHALL and re-create with the group in MULTI} $G $XRG \
    {{multi} {flushall} {xgroup create s g $ mkstream} {exec} {xadd s 1-1 a 1}}
sc {XREADGROUP, SWAPDB there and back in MULTI} $G $XRG \
    {{multi} {swapdb 0 1} {swapdb 0 1} {exec} {xadd s 1-1 a 1}}
scm {XREADGROUP x2 and XREAD on one key, key deleted, then XADD} $G [list $XRG $XR $XRG] \
    {{del s} {xadd s 1-1 a 1}}
scm {XREADGROUP x2 and XREAD on one key, XGROUP DESTROY} $G [list $XRG $XR $XRG] \
    {{xgroup destroy s g}}
scm {BLPOP and XREAD on one missing key, XADD, then DEL and RPUSH} {} \
    {{blpop s 0} {xread block 0 streams s 0}} {{xadd s 1-1 a 1} {del s} {rpush s a}}
scm {XREADGROUP x2 with COUNT 1, two XADDs in MULTI} $G \
    {{xreadgroup group g a count 1 block 0 streams s >} {xreadgroup group g b count 1 block 0 streams s >}} \
    {{multi} {xadd s 1-1 a 1} {xadd s 2-1 a 2} {exec} {xpending s g}}
sc {XREADGROUP, XGROUP SETID back: waits for new entries} \
    {{xadd s 1-1 a 1} {xgroup create s g $}} $XRG {{xgroup setid s g 0} {xadd s 2-1 b 2}}
sc {XREAD, XSETID beyond the last entry: waits for new entries} {{xadd s 1-1 a 1}} $XR \
    {{xsetid s 99-0} {xadd s 100-1 b 2}}
sc {XREADGROUP, errorstats and commandstats after the key is deleted} \
    [concat {{config resetstat}} $G] $XRG {{del s} {info errorstats} {@cmdstat xreadgroup}}
sc {XREADGROUP, RESP3, key deleted} $G $XRG {{del s}} 3
sc {XREADGROUP served, then XPENDING and XINFO} $G $XRG \
    {{xadd s 1-1 a 1} {xpending s g} {xinfo groups s}}
sc {XREADGROUP NOACK served} $G {xreadgroup group g c noack block 0 streams s >} \
    {{xadd s 1-1 a 1} {xpending s g}}
sc {XREADGROUP COUNT 1 served from a MULTI of two XADDs} $G \
    {xreadgroup group g c count 1 block 0 streams s >} \
    {{multi} {xadd s 1-1 a 1} {xadd s 2-1 b 2} {exec} {xpending s g}}
sc {XREADGROUP served in RESP3} $G $XRG {{xadd s 1-1 a 1}} 3
sc {XREAD served in RESP3} $G {xread block 0 streams s t $ 0} {{xadd s 1-1 a 1}} 3
sc {XREAD, key deleted, then XADD} $G $XR {{del s} {xadd s 1-1 a 1}}
sc {XREAD, key deleted then set to a string} $G $XR {{del s} {set s x}}
sc {XREAD, SET over the stream} $G $XR {{set s x}}
sc {XREAD, RENAME of a string over it} [concat $G {{set str v}}] $XR {{rename str s}}
sc {XREAD, FLUSHALL, then XADD} $G $XR {{flushall} {xadd s 1-1 a 1}}
sc {XREAD on a missing key, SWAPDB brings a stream} \
    {{select 1} {xadd s 1-1 a 1} {select 0}} {xread block 0 streams s 0} {{swapdb 0 1}}
sc {XREAD, MOVE of a stream into its db} {} $XR \
    {{select 1} {xadd s 5-1 a 1} {move s 0} {select 0}}
sc {XREAD, stream re-created below the ID waited for} {{xadd s 5-1 a 1}} \
    {xread block 0 streams s 5-1} {{del s} {xadd s 3-1 b 2}}
sc {XREAD, DEBUG RELOAD, then XADD} $G $XR {{debug reload} {xadd s 1-1 a 1}}
# Only a lost stream wakes waiters: a string overwritten in place by a list
# or a sorted set does not serve BLPOP / BZPOPMIN (a new key does).
sc {BLPOP, string overwritten by SORT STORE} {{rpush src b a}} {blpop k 0} \
    {{set k x} {sort src alpha store k} {lrange k 0 -1}}
sc {BZPOPMIN, string overwritten by ZUNIONSTORE} {{zadd src 1 a}} {bzpopmin k 0} \
    {{set k x} {zunionstore k 1 src} {type k}}
sc {BLPOP, string replaced by COPY REPLACE} {{rpush src a}} {blpop k 0} \
    {{set k x} {copy src k replace} {type k}}
sc {XREAD, CLIENT UNBLOCK TIMEOUT} $G $XR {{client unblock @ID timeout}}
sc {XREAD, CLIENT UNBLOCK TIMEOUT, RESP3} $G $XR {{client unblock @ID timeout}} 3
sc {XREAD, CLIENT UNBLOCK ERROR} $G $XR {{client unblock @ID error}}
sc {XREAD, CLIENT UNBLOCK ERROR, RESP3} $G $XR {{client unblock @ID error}} 3
sc {XREADGROUP, CLIENT UNBLOCK ERROR} $G $XRG {{client unblock @ID error}}
sc {XREADGROUP, CLIENT UNBLOCK TIMEOUT} $G $XRG {{client unblock @ID timeout}}
sc {XREADGROUP, CLIENT UNBLOCK TIMEOUT, RESP3} $G $XRG {{client unblock @ID timeout}} 3
sc {XREAD times out} $G {xread block 20 streams s $} {} 2 timeout
sc {XREAD times out, RESP3} $G {xread block 20 streams s $} {} 3 timeout
sc {XREADGROUP times out} $G {xreadgroup group g c block 20 streams s >} {} 2 timeout
sc {XREADGROUP times out, RESP3} $G {xreadgroup group g c block 20 streams s >} {} 3 timeout

# name setup block steps: what the replicas get
set propagated [list \
    {XREADGROUP served: one XCLAIM with LASTID} $G $XRG {{xadd s 1-1 a 1}} \
    {XREADGROUP served two entries: XCLAIMs in MULTI/EXEC} $G $XRG \
        {{multi} {xadd s 1-1 a 1} {xadd s 2-1 a 2} {exec}} \
    {XREADGROUP NOACK served: CREATECONSUMER and SETID in MULTI/EXEC} $G \
        {xreadgroup group g c noack block 0 streams s >} {{xadd s 1-1 a 1}} \
    {XREADGROUP COUNT 1 served after a MULTI} $G \
        {xreadgroup group g c count 1 block 0 streams s >} \
        {{multi} {xadd s 1-1 a 1} {xadd s 2-1 a 2} {exec}} \
    {XREADGROUP NOACK served two entries} $G \
        {xreadgroup group g c noack block 0 streams s >} \
        {{multi} {xadd s 1-1 a 1} {xadd s 2-1 a 2} {exec}} \
    {XREADGROUP NOACK served, consumer known: SETID alone} \
        [concat $G {{xgroup createconsumer s g c}}] \
        {xreadgroup group g c noack block 0 streams s >} {{xadd s 1-1 a 1}} \
    {XREADGROUP served after its consumer was deleted} [concat $G {{xgroup createconsumer s g c}}] \
        $XRG {{xgroup delconsumer s g c} {xadd s 1-1 a 1}} \
    {XREADGROUP on two keys served by the second} [concat $G {{xgroup create t g $ mkstream}}] \
        {xreadgroup group g c block 0 streams s t > >} {{xadd t 1-1 a 1}} \
    {XREADGROUP unblocked by DEL: only the DEL} $G $XRG {{del s}} \
    {XREADGROUP unblocked by XGROUP DESTROY} $G $XRG {{xgroup destroy s g}} \
    {XREAD served: only the XADD} $G $XR {{xadd s 1-1 a 1}} \
]

# What MONITOR shows while a blocked XREADGROUP is served: the commands as
# clients sent them (timestamps and addresses masked), nothing for serving.
proc sb_monitored {port} {
    set mon [diff_connect 127.0.0.1 $port]
    set ctl [diff_connect 127.0.0.1 $port]
    set cl [diff_connect 127.0.0.1 $port]
    try {
        sb_prepare $ctl {{xgroup create s g $ mkstream}}
        diff_send $mon {monitor}
        sb_send $cl {xreadgroup group g c block 0 streams s >}
        sb_wait_blocked $ctl 1
        diff_send $ctl {xadd s 1-1 a 1}
        set out [list [diff_read_reply $cl]]
        diff_send $ctl {set sb:marker end}
        while {![string match {*"sb:marker"*} [set line [diff_read_reply $mon]]]} {
            if {[string match {*"info"*} $line]} continue
            lappend out [regsub {^\+[0-9.]+ \[0 [^\]]+\]} $line {+<ts> [0 <addr>]}]
        }
    } finally {
        close $cl
        close $ctl
        close $mon
    }
    return $out
}

start_server [list tags {stream differential} binary $stock_binary overrides {repl-diskless-sync no}] {
    start_server {tags {stream differential} overrides {repl-diskless-sync no}} {
        set ours_port [srv 0 port]
        set stock_port [srv -1 port]

        foreach sc $scenarios {
            lassign $sc name setup blocks steps resp release
            if {$resp eq {}} {set resp 2}
            test "Blocked $name: as stock" {
                set ours [sb_run $ours_port $setup $blocks $steps $resp $release]
                set stock [sb_run $stock_port $setup $blocks $steps $resp $release]
                if {$ours ne $stock} {
                    fail "ours:\n    [sb_format $ours]\nstock:\n    [sb_format $stock]"
                }
            }
        }

        test "MONITOR while a blocked XREADGROUP is served: as stock" {
            set ours [sb_monitored $ours_port]
            set stock [sb_monitored $stock_port]
            if {$ours ne $stock} {
                fail "ours:\n    [sb_format $ours]\nstock:\n    [sb_format $stock]"
            }
        }

        set ours_repl [diff_replica $ours_port]
        set stock_repl [diff_replica $stock_port]
        foreach {name setup block steps} $propagated {
            test "Propagated: $name, as stock" {
                set ours [sb_run_propagated $ours_port $ours_repl $setup $block $steps]
                set stock [sb_run_propagated $stock_port $stock_repl $setup $block $steps]
                if {$ours ne $stock} {
                    fail "ours:\n    [sb_format $ours]\nstock:\n    [sb_format $stock]"
                }
            }
        }

        test {Propagated: XREADGROUP served at once (new entries, NOACK, history, MULTI), XCLAIM, XAUTOCLAIM, as stock} {
            set outs {}
            foreach port [list $ours_port $stock_port] repl [list $ours_repl $stock_repl] {
                set ctl [diff_connect 127.0.0.1 $port]
                diff_send $ctl {flushall}
                diff_propagated_until $repl $ctl start
                foreach cmd {
                    {xadd nb 1-1 f v} {xadd nb 2-1 f v} {xadd nb 3-1 f v} {xadd nb 4-1 f v}
                    {xgroup create nb g 0}
                    {xreadgroup group g c count 2 streams nb >}
                    {xreadgroup group g c count 1 noack streams nb >}
                    {xreadgroup group g c streams nb 0}
                    {xreadgroup group g c2 streams nb 0}
                    {xreadgroup group g c streams nb >}
                    {xreadgroup group g c streams nb >}
                    {multi} {xreadgroup group g c3 streams nb 0} {xadd nb 5-1 f v}
                    {xreadgroup group g c4 noack streams nb >} {exec}
                    {eval "return redis.call('xreadgroup','group','g','c5','streams',KEYS[1],'>')" 1 nb}
                    {xclaim nb g c6 0 1-1 2-1} {xclaim nb g c6 0 4-1 force} {xdel nb 1-1}
                    {xclaim nb g c7 0 1-1} {xautoclaim nb g c8 0 0 count 2} {xautoclaim nb g c8 0 0}
                } {
                    diff_send $ctl $cmd
                }
                lappend outs [diff_propagated_until $repl $ctl end]
                close $ctl
            }
            lassign $outs ours stock
            if {$ours ne $stock} {
                fail "ours:\n    [sb_format $ours]\nstock:\n    [sb_format $stock]"
            }
            assert_match "*XCLAIM*" $ours
            assert_no_match "*xreadgroup*" $ours
            assert_no_match "*xautoclaim*" $ours
        }

        close $ours_repl
        close $stock_repl
    }
}
