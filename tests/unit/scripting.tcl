# Scripting (src/eval.c, src/script_lua.c): what needs several clients,
# time or server state. Single-connection replies (conversions, errors,
# the Lua libraries) are compared with stock in tests/diff/scripting.txt.

start_server {tags {scripting}} {
    test {EVAL runs commands, EVALSHA runs the cached script} {
        r flushall
        assert_equal OK [r eval {return redis.call('set', KEYS[1], ARGV[1])} 1 k v]
        assert_equal v [r get k]
        set sha [r script load {return redis.call('get', KEYS[1])}]
        assert_equal v [r evalsha $sha 1 k]
        assert_equal {1 0} [r script exists $sha [string repeat 0 40]]
        r script flush
        assert_equal 0 [r script exists $sha]
        assert_error {NOSCRIPT*} {r evalsha $sha 1 k}
    }

    test {Scripts see sets and strings, and their errors} {
        r flushall
        r sadd s a b c
        assert_equal {a b c} [lsort [r eval {return redis.call('smembers', KEYS[1])} 1 s]]
        assert_error {WRONGTYPE*} {r eval {return redis.call('get', KEYS[1])} 1 s}
        assert_equal 3 [r eval {return redis.call('scard', KEYS[1])} 1 s]
    }

    test {The sandbox keeps globals and libraries read-only} {
        assert_error {*Attempt to modify a readonly table*} {r eval {x = 1} 0}
        assert_error {*Attempt to modify a readonly table*} {r eval {cjson.encode = nil} 0}
        assert_error {*nonexistent global variable 'os'*} {r eval {return os.time()} 0}
        # A failed attempt leaves nothing behind for later scripts.
        assert_error {*nonexistent global variable 'x'*} {r eval {return x} 0}
        assert_equal {[1,2]} [r eval {return cjson.encode({1,2})} 0]
    }

    test {EVAL_RO and no-writes scripts refuse writes} {
        assert_error {*Write commands are not allowed from read-only scripts*} {r eval_ro {return redis.call('set','a','b')} 0}
        assert_error {*Can not execute a script with write flag using \*_ro command*} {r eval_ro "#!lua\nreturn 1" 0}
        assert_equal 1 [r eval_ro "#!lua flags=no-writes\nreturn 1" 0]
    }

    test {Commands a script calls go through ACLs, denials logged as lua} {
        r acl log reset
        r acl setuser scripter on nopass +@all -set ~*
        r auth scripter x
        catch {r eval {return redis.call('set','a','b')} 0} e
        assert_match {*The user executing the script can't run this command or subcommand*} $e
        assert_equal 0 [r eval {return redis.acl_check_cmd('set','a','b') and 1 or 0} 0]
        r auth default x
        set entry [lindex [r acl log] 0]
        assert_equal lua [dict get $entry context]
        assert_equal set [dict get $entry object]
        r acl deluser scripter
    }

    test {A long script: other clients get BUSY, SCRIPT KILL stops it} {
        r config set busy-reply-threshold 50
        set rd [redis_deferring_client]
        $rd eval {local i = 0 while true do i = i + 1 end} 0
        wait_for_condition 100 20 {
            [catch {r ping} e] && [string match {BUSY*} $e]
        } else { fail "script never became busy" }
        assert_error {BUSY*} {r get k}
        assert_error {BUSY*SCRIPT KILL*} {r function kill}
        assert_equal OK [r script kill]
        catch {$rd read} e
        assert_match {*Script killed by user with SCRIPT KILL*} $e
        assert_equal PONG [r ping]
        $rd close
    }

    test {A long script that wrote cannot be killed} {
        set rd [redis_deferring_client]
        # One second by the microsecond clock (whole seconds could leave
        # only a few ms, under the BUSY threshold).
        $rd eval {redis.call('set','w','1') local function now() local t = redis.call('time') return tonumber(t[1]) * 1000000 + tonumber(t[2]) end local s = now() while now() < s + 1000000 do end return 'done'} 0
        wait_for_condition 100 20 {
            [catch {r ping} e] && [string match {BUSY*} $e]
        } else { fail "script never became busy" }
        assert_error {UNKILLABLE*} {r script kill}
        assert_equal done [$rd read]
        assert_equal 1 [r get w]
        $rd close
        r config set busy-reply-threshold 5000
    }

    test {SCRIPT KILL without a running script} {
        assert_error {NOTBUSY*} {r script kill}
    }

    test {maxmemory: shebang scripts without allow-oom are refused} {
        r set filler [string repeat x 1000]
        r config set maxmemory 1
        assert_error {OOM command not allowed*} {r eval "#!lua\nreturn 1" 0}
        assert_equal 1 [r eval "#!lua flags=no-writes\nreturn 1" 0]
        assert_error {*OOM command not allowed*} {r eval {return redis.call('set','x','y')} 0}
        r config set maxmemory 0
    }

    test {Queued EVALs each run their own body (the sha kept from the flags lookup)} {
        # processCommand's flags lookup hashes each body as it is queued;
        # EXEC must still run every script as written.
        r multi
        r eval {return 'first'} 0
        r eval {return 'second'} 0
        r eval "#!lua flags=no-writes\nreturn 'third'" 0
        r eval {return 'first'} 0
        assert_equal {first second third first} [r exec]
        # A refused EVAL (flags looked up, then OOM) does not stand in for
        # the next one.
        r config set maxmemory 1
        assert_error {OOM*} {r eval "#!lua\nreturn 'refused'" 0}
        r config set maxmemory 0
        assert_equal other [r eval {return 'other'} 0]
        assert_equal refused [r eval "#!lua\nreturn 'refused'" 0]
    }

    test {Many EVALs leave the Lua heap bounded} {
        # Every run leaves garbage (a table of 20 strings here); the
        # periodic GC steps must keep up with it.
        set rd [redis_deferring_client]
        for {set i 0} {$i < 5000} {incr i} {
            $rd eval {local t = {} for i = 1, 20 do t[i] = ARGV[1] .. i end return #t} 0 $i
        }
        for {set i 0} {$i < 5000} {incr i} { assert_equal 20 [$rd read] }
        $rd close
        assert_range [s used_memory_lua] 1 1000000
    }
}
