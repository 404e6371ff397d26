# The Lua debugger (SCRIPT DEBUG YES|SYNC|NO, redis-cli --ldb): the same
# debugger sessions are driven over raw sockets against our server and a
# stock redis-server 7.0.15; every reply must be byte-identical, including
# the <endsession> log, the EVAL reply and the connection closing after it.
# Then: a session must not hang or crash the server (disconnects, loops),
# forked sessions roll back and leave the server serving, and the real
# redis-cli --ldb works against us as against stock.
source [file join $::tests_root support diff.tcl]

# Run steps (argv lists) on a fresh connection; one reply each. A reply
# ending the session is followed by the EVAL reply and the close.
proc ldb_run {host port steps} {
    set fd [diff_connect $host $port]
    set out {}
    foreach step $steps {
        if {[catch {
            puts -nonewline $fd [diff_encode $step]
            flush $fd
            set reply [diff_read_reply $fd]
            if {[string match "*+<endsession>\r\n" $reply]} {
                append reply [diff_read_reply $fd]
                fconfigure $fd -blocking 1
                if {[read $fd] eq {} && [eof $fd]} {append reply "<CLOSED>"}
            }
        } err]} {
            lappend out [list $step "<ERROR $err>"]
            break
        }
        lappend out [list $step $reply]
    }
    catch {close $fd}
    return $out
}

# Function and userdata addresses ("function@0x55d0..") differ between any
# two processes: they are compared as @PTR. The debugger's replies are
# status lines, so no length prefix changes with them.
proc ldb_mask_pointers {run} {
    set out {}
    foreach x $run {
        lappend out [list [lindex $x 0] [regsub -all {@0x[0-9a-f]+} [lindex $x 1] {@PTR}]]
    }
    return $out
}

proc ldb_compare {ours stock steps {mask_pointers 0}} {
    foreach srv [list $ours $stock] {
        set r [redis [lindex $srv 0] [lindex $srv 1]]
        $r flushall
        $r close
    }
    set a [ldb_run {*}$ours $steps]
    set b [ldb_run {*}$stock $steps]
    if {$mask_pointers} {
        set a [ldb_mask_pointers $a]
        set b [ldb_mask_pointers $b]
    }
    # every compared session really ran and ended (not two equal failures)
    assert_match "*+<endsession>\r\n*<CLOSED>" [lindex $a end 1]
    set bad {}
    foreach x $a y $b {
        if {$x ne $y} {
            lappend bad "[lindex $x 0]\n  ours:  [string map {\r\n \\r\\n} [lindex $x 1]]\n  stock: [string map {\r\n \\r\\n} [lindex $y 1]]"
        }
    }
    if {[llength $bad]} {fail [join $bad \n]}
}

set ldb_step_script "local x = 1\nlocal t = {1,2,'a',{k='v'}}\nredis.call('set','a',x)\nredis.debug('hi', x, t)\nlocal y = redis.call('get','a')\nreturn {x,y}"
set ldb_fork_script "redis.call('set','fk','1')\nlocal big = string.rep('x', 300)\nredis.call('nosuch')\nreturn 1"
set ldb_func_script "local function f(a)\n  local b = a * 2\n  return b\nend\nredis.setresp(3)\nlocal r = f(3)\nreturn r"
set ldb_resp3_script "redis.setresp(3)\nlocal z = redis.call('zadd','zz','1.5','m')\nlocal s = redis.call('zscore','zz','m')\nlocal e = redis.pcall('lpush','zz','x')\nlocal t = redis.call('mget','zz','zz')\nreturn redis.error_reply('my err')"
set ldb_loop_script "local i = 0\nwhile true do\n  i = i + 1\nend"

start_server {tags {scripting ldb}} {
    start_server [list tags {scripting ldb} binary /usr/bin/redis-server] {
        set ours [list [srv -1 host] [srv -1 port]]
        set stock [list [srv 0 host] [srv 0 port]]

        test {ldb: sync session: step, print, list, break, trace, eval, redis, maxlen, help} {
            ldb_compare $ours $stock [list {script debug sync} \
                [list eval $ldb_step_script 1 k1 arg1] \
                {s} {p} {p t} {p KEYS} {p ARGV} {p nope} {s} {n} {l} {l 2 1} {w} {l 0} {l 100} \
                {b} {b 5} {b 5} {b} {b -5} {b -5} {b 0} {b x} {b 99} {t} \
                {e 1+1} {e x=1} {e redis.call('ping')} {e} {e error('boom')} {e {1,{2,{3}}, x=4}} \
                {e syntax error here} {r ping} {r lrange a 0 -1} {r ping a b} \
                {r mset a 1 b 2 c 3 d 4 e 5 f 6} {m} {m 10} {m 0} {h} {zzz} {r} {c}]
        }

        test {ldb: library tables (read-only proxies here) show their contents as in stock} {
            set libs {redis string table math bit cjson cmsgpack struct coroutine}
            set code "local r = redis\nlocal n = {s=string, l={math, {table, cjson}}}\n"
            foreach lib $libs {append code "redis.debug($lib)\n"}
            append code "redis.debug(n, {x=bit, \[1\]=struct})\nreturn 1"
            set steps [list {script debug sync} [list eval $code 0] {m 0} {s} {s} {p} {p r} {p n}]
            foreach lib $libs {lappend steps [list e $lib]}
            lappend steps {e {redis, {string}}} {e getmetatable('')} {e getmetatable(_G)} {e getmetatable('').__index} \
                {s} {s} {s} {s} {s} {s} {s} {s} {s} {s} {m 60} {p n} {e redis} {c}
            ldb_compare $ours $stock $steps 1
            # the same through a forked session, with the default trimming
            ldb_compare $ours $stock [list {script debug yes} [list eval $code 0] \
                {s} {s} {p} {e math} {e {string, table}} {c}] 1
        }

        test {ldb: the globals table prints in stock's order, nested tables to stock's depth} {
            # _G iterates in the order its keys were inserted into it (hash
            # slots and collisions), so this pins the order the libraries
            # and the redis API are loaded in; a fresh Lua state each time
            # (SCRIPT FLUSH) so KEYS and ARGV are the last keys added.
            foreach srv [list $ours $stock] {
                set r [redis {*}$srv]
                $r script flush
                $r close
            }
            set code "local deep = {{{{{{{{{{{{{1}}}}}}}}}}}}}\nlocal t = {1,2,3,a=1,b=2,c={x=1,y=2},\[10\]=5}\nreturn 1"
            ldb_compare $ours $stock [list {script debug sync} [list eval $code 1 k1 a1] {m 0} {s} {s} \
                {p} {e _G} {e {a={b={c={d={e={f={g={h={i={j={k={l=1}}}}}}}}}}}}} \
                {e {pairs(_G)}} {c}] 1
            set keys "local r = {} for k in pairs(_G) do r\[#r+1\] = k end return r"
            assert_equal [[redis {*}$stock] eval $keys 0] [[redis {*}$ours] eval $keys 0]
        }

        test {ldb: forked session: trimming hint, unknown command error, rollback} {
            ldb_compare $ours $stock [list {script debug yes} \
                [list eval $ldb_fork_script 0] \
                {s} {s} {p} {e big} {m 70} {r set k v} {e nil} {s}]
            foreach srv [list $ours $stock] {
                set r [redis {*}$srv]
                assert_equal {} [$r get fk]
                $r close
            }
        }

        test {ldb: sync session keeps its writes} {
            ldb_compare $ours $stock [list {script debug sync} \
                {eval "redis.call('set','kept','1')\nreturn 1" 0} {c}]
            foreach srv [list $ours $stock] {
                set r [redis {*}$srv]
                assert_equal 1 [$r get kept]
                $r close
            }
        }

        test {ldb: YES after SYNC still debugs in sync mode (as stock)} {
            ldb_compare $ours $stock [list {script debug sync} {script debug yes} \
                {eval "redis.call('set','mm','1')" 0} {c}]
            foreach srv [list $ours $stock] {
                set r [redis {*}$srv]
                assert_equal 1 [$r get mm]
                $r close
            }
        }

        test {ldb: redis.breakpoint() and abort} {
            ldb_compare $ours $stock [list {script debug yes} \
                {eval "redis.breakpoint()\nlocal a = 1\nreturn a" 0} {c} {a}]
        }

        test {ldb: nested functions, breakpoints in them, RESP3 replies} {
            ldb_compare $ours $stock [list {script debug sync} [list eval $ldb_func_script 0] \
                {b 3} {c} {t} {p} {p a} {p r} {l 1 0} {l -3} \
                {r hset h a 1} {r hgetall h} {r smembers nosuch} {e redis.call('hgetall','h')} \
                {r get nokey} {r incrbyfloat fl 1.5} {r debug protocol double} {c}]
            ldb_compare $ours $stock [list {script debug sync} [list eval $ldb_resp3_script 0] \
                {s} {s} {s} {s} {s} {p} {s}]
        }

        test {ldb: misuse errors} {
            ldb_compare $ours $stock [list {multi} {script debug yes} {exec} \
                {script debug maybe} {script debug} {script debug yes x} {script debug yes} \
                {script debug no} {eval "return 5" 0} {script debug yes} \
                {evalsha aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0} \
                {eval_ro "return 1" 0} {fcall x 0} {ping} {c}]
            ldb_compare $ours $stock [list {script debug sync} \
                {eval "redis.call('set','q','1')\nreturn redis.call('nosuch')" 0} {c}]
            ldb_compare $ours $stock [list {script debug sync} {eval "return 1" x}]
        }

        test {ldb: malformed debugger input fails the script} {
            foreach srv [list $ours $stock] {
                set fd [diff_connect {*}$srv]
                diff_send $fd {script debug sync}
                diff_send $fd {eval "return 1" 0}
                puts -nonewline $fd "s\r\n"
                flush $fd
                set reply [diff_read_reply $fd][diff_read_reply $fd]
                lappend got [regsub {script: [0-9a-f]+} $reply {}]
                close $fd
            }
            assert_equal [lindex $got 0] [lindex $got 1]
            assert_match {*-ERR protocol error*} [lindex $got 0]
        }

        test {ldb: an infinite loop stops on timeout and abort ends it} {
            foreach srv [list $ours $stock] {
                set r [redis {*}$srv]
                $r config set busy-reply-threshold 200
                $r close
                set res [ldb_run {*}$srv [list {script debug sync} [list eval $ldb_loop_script 0] {c} {a}]]
                assert_match "*+\\* Stopped at *, stop reason = timeout reached, infinite loop?*" [lindex $res 2 1]
                assert_match "*+<endsession>\r\n-ERR script aborted for user request script: *<CLOSED>" [lindex $res 3 1]
            }
        }

        test {ldb: client gone mid-session: a looping script is failed, the server goes on} {
            foreach mode {sync yes} {
                set fd [diff_connect {*}$ours]
                diff_send $fd [list script debug $mode]
                diff_send $fd [list eval $ldb_loop_script 0]
                close $fd
                set r [redis {*}$ours]
                wait_for_condition 100 50 {
                    [catch {$r ping} e] == 0 && $e eq "PONG"
                } else {
                    fail "server blocked after a $mode debug client left"
                }
                $r close
            }
            # the sync script failed with the timeout error (logged by stock too)
            set r [redis {*}$ours]
            assert_equal PONG [$r ping]
            $r close
        }

        test {ldb: a forked session leaves the server serving, its child is reaped} {
            set fd [diff_connect {*}$ours]
            diff_send $fd {script debug yes}
            set first [diff_send $fd {eval "redis.call('set','fk2','1')\nreturn 1" 0}]
            assert_match {*Stopped at 1*} $first
            set r [redis {*}$ours]
            assert_equal PONG [$r ping]
            $r set other 1
            puts -nonewline $fd [diff_encode {c}]
            flush $fd
            assert_match {*<endsession>*} [diff_read_reply $fd]
            assert_equal ":1\r\n" [diff_read_reply $fd]
            close $fd
            assert_equal {} [$r get fk2]
            assert_equal 1 [$r get other]
            set pid [srv -1 pid]
            wait_for_condition 100 50 {
                [exec sh -c "ps -o pid= --ppid $pid | wc -l"] == 0
            } else {
                fail "the debugging child was not reaped"
            }
            $r close
            foreach line [log_lines_from -1 0] {
                assert_no_match {*unmatched pid*} $line
            }
        }

        test {ldb: redis-cli --ldb --eval with stdin from a file, both modes} {
            set dir [file dirname [srv -1 stdout]]
            set script [file join $dir ldb_cli.lua]
            set input [file join $dir ldb_cli.in]
            set f [open $script w]
            puts $f "local x = redis.call('set', KEYS\[1\], ARGV\[1\])\nredis.debug('x is', x)\nreturn redis.call('get', KEYS\[1\])"
            close $f
            set f [open $input w]
            puts $f "s\np\nr get k1\nc"
            close $f
            foreach mode {--ldb --ldb-sync-mode} {
                set outs {}
                foreach srv [list $ours $stock] {
                    lappend outs [exec timeout 20 redis-cli -h [lindex $srv 0] -p [lindex $srv 1] \
                                      $mode --eval $script k1 , v1 < $input]
                }
                assert_equal [lindex $outs 0] [lindex $outs 1]
                assert_match {*<debug> line 2: "x is", {\["ok"\]="OK"}*"v1"*} [lindex $outs 0]
            }
        }
    }
}

start_server {tags {scripting ldb}} {
    test {ldb: SHUTDOWN kills forked debugging sessions} {
        set pid [srv 0 pid]
        set fd [diff_connect [srv 0 host] [srv 0 port]]
        diff_send $fd {script debug yes}
        assert_match {*Stopped at 1*} [diff_send $fd {eval "return 1" 0}]
        set child [string trim [exec sh -c "ps -o pid= --ppid $pid"]]
        assert_match {[0-9]*} $child
        catch {r shutdown nosave}
        wait_for_condition 100 50 {
            [catch {exec kill -0 $pid}] && ![process_is_alive $child]
        } else {
            fail "server or its debugging child still running after SHUTDOWN"
        }
        catch {close $fd}
        verify_log_message 0 "*# Killing debugging session $child" 0
    }
}
