# Functions (src/functions.c, src/function_lua.c): what needs several
# clients, time, persistence or a stock server. Single-connection replies
# are compared with stock in tests/diff/functions.txt.

proc fn_rdb_path {} {
    file join [lindex [r config get dir] 1] [lindex [r config get dbfilename] 1]
}

set fn_lib "#!lua name=mylib\nredis.register_function('myfn', function(keys, args) return redis.call('set', keys\[1\], args\[1\]) end)\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys\[1\]) end, flags={'no-writes'}}"

start_server {tags {functions}} {
    test {FCALL runs a library's function with keys and args} {
        r function flush
        assert_equal mylib [r function load $fn_lib]
        assert_equal OK [r fcall myfn 1 k v]
        assert_equal v [r fcall_ro ro 1 k]
        assert_error {*Can not execute a script with write flag*} {r fcall_ro myfn 1 k v}
        assert_error {*Library 'mylib' already exists*} {r function load $fn_lib}
        assert_equal mylib [r function load replace $fn_lib]
    }

    test {A long function: BUSY for others, FUNCTION KILL stops it} {
        r config set busy-reply-threshold 50
        r function load replace "#!lua name=slow\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}"
        set rd [redis_deferring_client]
        $rd fcall spin 0
        wait_for_condition 100 20 {
            [catch {r ping} e] && [string match {BUSY*FUNCTION KILL*} $e]
        } else { fail "function never became busy" }
        assert_equal spin [dict get [dict get [r function stats] running_script] name]
        assert_error {BUSY*FUNCTION KILL*} {r script kill}
        assert_equal OK [r function kill]
        catch {$rd read} e
        assert_match {*Script killed by user*} $e
        assert_equal PONG [r ping]
        $rd close
        r config set busy-reply-threshold 5000
        r function delete slow
    }

    test {Functions survive a save and restart} {
        r function flush
        r function load $fn_lib
        r save
        restart_server 0 true
        assert_equal OK [r fcall myfn 1 k2 v2]
        assert_equal v2 [r fcall_ro ro 1 k2]
    }

    test {FUNCTION DUMP / RESTORE move libraries both ways with stock} {
        r function flush
        r function load $fn_lib
        set ours_dump [r function dump]
        start_server {binary /usr/bin/redis-server} {
            assert_equal OK [r function restore $ours_dump]
            assert_equal OK [r fcall myfn 1 s x]
            r function load "#!lua name=stocklib\nredis.register_function('sfn', function() return 'from stock' end)"
            r function delete mylib
            set stock_dump [r function dump]
            set stock_rdb [fn_rdb_path]
            r save
        }
        assert_error {*already exists*} {r function restore $ours_dump}
        assert_equal OK [r function restore $ours_dump replace]
        assert_equal OK [r function restore $stock_dump]
        assert_equal {from stock} [r fcall sfn 0]
        assert_equal OK [r function restore $stock_dump flush]
        assert_error {*Function not found*} {r fcall myfn 1 k v}
        assert_error {*payload version or checksum are wrong*} {r function restore "bad"}
        assert_error {*Wrong restore policy*} {r function restore $stock_dump nope}
    }

    test {A stock RDB with functions loads here, ours loads in stock} {
        r function flush
        r function load $fn_lib
        r set plain 1
        r save
        set dir [file join $::tests_root tmp "fnrdb.[pid]"]
        file mkdir $dir
        file copy -force [fn_rdb_path] [file join $dir dump.rdb]
        start_server [list binary /usr/bin/redis-server overrides [list dir $dir]] {
            assert_equal OK [r fcall myfn 1 k3 v3]
            r function load "#!lua name=back\nredis.register_function('bk', function() return 'back' end)"
            r save
        }
        start_server [list overrides [list dir $dir]] {
            assert_equal back [r fcall bk 0]
            assert_equal v3 [r fcall_ro ro 1 k3]
        }
        file delete -force $dir
    }
}

# The same RESTORE scenarios on stock and here: replies must match.
proc fn_restore_scenarios {} {
    set out {}
    r function flush
    r function load "#!lua name=a\nredis.register_function('fa', function() return 'a1' end)"
    r function load "#!lua name=b\nredis.register_function('fb', function() return 'b1' end)"
    set dump [r function dump]
    r function flush
    r function load "#!lua name=a\nredis.register_function('fa', function() return 'a2' end)"
    lappend out [catch {r function restore $dump} e] $e
    lappend out [catch {r fcall fb 0} e] $e
    lappend out [catch {r function restore $dump replace} e] $e
    lappend out [r fcall fa 0] [r fcall fb 0]
    r function flush
    r function load "#!lua name=c\nredis.register_function('fa', function() return 'c' end)"
    lappend out [catch {r function restore $dump replace} e] $e
    lappend out [catch {r fcall fa 0} e] $e
    lappend out [catch {r fcall fb 0} e] $e
    lappend out [catch {r function restore $dump flush} e] $e
    lappend out [r fcall fa 0] [lsort [lmap l [r function list] {dict get $l library_name}]]
    lappend out [catch {r function restore [string range $dump 0 end-1]x} e] $e
    lappend out [catch {r function restore $dump append extra} e] $e
    r function flush
    return $out
}

start_server {tags {functions}} {
    test {FUNCTION RESTORE policies and collisions reply as stock} {
        set ours [fn_restore_scenarios]
        start_server {binary /usr/bin/redis-server} {
            set stock [fn_restore_scenarios]
        }
        if {$::verbose} {puts $ours}
        assert_equal $stock $ours
    }
}
