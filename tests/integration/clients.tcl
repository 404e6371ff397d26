# Stock tools and client libraries against our server: redis-cli,
# redis-benchmark, redis-py and ioredis use it exactly as they use Redis.

start_server {tags {clients}} {
    test {redis-cli: commands, RESP3, --pipe, --scan} {
        set port [srv 0 port]
        assert_equal OK [exec redis-cli -p $port set cli value]
        assert_equal value [exec redis-cli -p $port get cli]
        assert_match "*proto*3*" [exec redis-cli -3 -p $port hello 3]
        set proto ""
        for {set i 0} {$i < 1000} {incr i} {
            append proto "*3\r\n\$3\r\nSET\r\n\$[string length pipe:$i]\r\npipe:$i\r\n\$1\r\nx\r\n"
        }
        set out [exec redis-cli -p $port --pipe << $proto]
        assert_match "*errors: 0, replies: 1000*" $out
        set keys [split [exec redis-cli -p $port --scan --pattern pipe:*] "\n"]
        assert_equal 1000 [llength $keys]
        assert_match "*redis_version:7.0.15*" [exec redis-cli -p $port info server]
    }

    test {redis-benchmark runs every basic test without errors} {
        set out [exec redis-benchmark -p [srv 0 port] -q -n 2000 -c 10 -P 4 \
                     -t ping,set,get,incr,mset --csv 2>@1]
        assert_no_match "*rror*" $out
        set lines [lrange [split [string trim $out] "\n"] 1 end]
        assert_morethan [llength $lines] 4
        foreach line $lines {
            set rps [string trim [lindex [split $line ,] 1] \"]
            assert_morethan $rps 0
        }
    }

    test {redis-py (Debian python3-redis) works unchanged} {
        set script [file join $::tests_root helpers redis_py_smoke.py]
        assert_equal OK [exec /usr/bin/python3 $script [srv 0 port]]
    }

    test {ioredis (npm) works unchanged} {
        set script [file join $::tests_root helpers node ioredis_smoke.js]
        if {![file isdirectory [file join $::tests_root helpers node node_modules ioredis]]} {
            skip "ioredis not installed (make test runs deps/npm.sh)"
        }
        assert_equal OK [exec node $script [srv 0 port]]
    }
}
