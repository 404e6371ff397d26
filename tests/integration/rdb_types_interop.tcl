# RDB files and DUMP payloads of lists, sets, hashes and sorted sets move
# both ways between our server and stock 7.0.15 (/usr/bin/redis-server):
# stock's SAVE loads here and ours loads there (redis-check-rdb accepts it)
# with identical DEBUG DIGEST-VALUE per key and identical replies; DUMP
# payloads RESTORE across, byte-identical where stock's are deterministic
# (everything but hashtable iteration order).

source [file join $::tests_root helpers typed_dataset.tcl]

# A TTL for RESTORE that keeps the key volatile (digests cover expiry).
proc ttl_of {key level} {
    set t [r $level pttl $key]
    return [expr {$t < 0 ? 0 : $t}]
}

proc server_rdb {level} {
    file join [lindex [r $level config get dir] 1] [lindex [r $level config get dbfilename] 1]
}

start_server {tags {rdb interop}} {
    start_server {binary /usr/bin/redis-server} {
        test {Same dataset, same digests and encodings on both servers} {
            build_typed_dataset 0
            build_typed_dataset -1
            assert_equal [all_views $interop_keys -1] [all_views $interop_keys 0]
        }

        test {Stock SAVE loads on our server with identical values} {
            set stock_views [all_views $interop_keys 0]
            r 0 save
            file copy -force [server_rdb 0] [server_rdb -1]
            r -1 flushall
            r -1 debug reload nosave
            assert_equal $stock_views [all_views $interop_keys -1]
            assert_range [r -1 ttl l_small] 99000 100000
        }

        test {Our SAVE passes redis-check-rdb and loads on stock with identical values} {
            build_typed_dataset -1
            set our_views [all_views $interop_keys -1]
            r -1 save
            set out [exec /usr/bin/redis-check-rdb [server_rdb -1]]
            assert_match {*RDB looks OK*} $out
            file copy -force [server_rdb -1] [server_rdb 0]
            r 0 flushall
            r 0 debug reload nosave
            assert_equal $our_views [all_views $interop_keys 0]
        }

        test {DUMP payloads are byte-identical to stock's (but hashtables)} {
            build_typed_dataset 0
            build_typed_dataset -1
            foreach k $interop_keys {
                if {[r 0 object encoding $k] eq {hashtable}} continue
                assert_equal [r 0 dump $k] [r -1 dump $k] $k
            }
        }

        test {DEBUG OBJECT serializedlength equals stock's for every type and encoding} {
            foreach k $interop_keys {
                regexp {serializedlength:(\d+)} [r 0 debug object $k] -> stock_len
                regexp {serializedlength:(\d+)} [r -1 debug object $k] -> our_len
                assert_equal $stock_len $our_len $k
            }
        }

        test {Plain list nodes: DUMP byte-identical to stock's, and restores across} {
            foreach level {0 -1} {
                r $level debug quicklist-packed-threshold 100
                r $level del pl
                r $level rpush pl a [string repeat P 500] b [string repeat Q 300] c
            }
            assert_equal [r 0 dump pl] [r -1 dump pl]
            r -1 restore pl:fromstock 0 [r 0 dump pl]
            assert_equal [r 0 debug digest-value pl] [r -1 debug digest-value pl:fromstock]
            foreach level {0 -1} {r $level debug quicklist-packed-threshold 1073741824}
        }

        test {sanitize-dump-payload clients: RESTORE sanitizes, loading does not (as stock)} {
            foreach level {0 -1} {
                r $level config set sanitize-dump-payload clients
                r $level config resetstat
                r $level restore h_lp:c 0 [r 0 dump h_lp] replace
                r $level debug reload
            }
            assert_match {*dump_payload_sanitizations:1*} [r 0 info stats]
            assert_match {*dump_payload_sanitizations:1*} [r -1 info stats]
            foreach level {0 -1} {r $level config set sanitize-dump-payload no}
        }

        test {Stock DUMP restores on ours, our DUMP restores on stock} {
            foreach k $interop_keys {
                r -1 restore $k:fromstock [ttl_of $k 0] [r 0 dump $k]
                r 0 restore $k:fromours [ttl_of $k -1] [r -1 dump $k]
                assert_equal [key_view $k 0] [key_view $k:fromstock -1] $k
                assert_equal [key_view $k -1] [key_view $k:fromours 0] $k
            }
        }

        test {Thresholds at load: small limits on ours, big values from stock} {
            r -1 config set hash-max-listpack-entries 2
            r -1 config set zset-max-listpack-entries 2
            r -1 config set set-max-intset-entries 2
            r 0 config set hash-max-listpack-entries 2
            r 0 config set zset-max-listpack-entries 2
            r 0 config set set-max-intset-entries 2
            foreach k {s_intset h_lp z_lp} {
                set d [r 0 dump $k]
                r 0 restore $k:small 0 $d
                r -1 restore $k:small 0 $d replace
                assert_equal [key_view $k:small 0] [key_view $k:small -1] $k
            }
            foreach level {0 -1} {
                r $level config set hash-max-listpack-entries 512
                r $level config set zset-max-listpack-entries 128
                r $level config set set-max-intset-entries 512
            }
        }

        test {sanitize-dump-payload yes: stock payloads restore on ours} {
            r -1 config set sanitize-dump-payload yes
            foreach k $interop_keys {
                r -1 restore $k:sanitized [ttl_of $k 0] [r 0 dump $k] replace
                assert_equal [key_view $k 0] [key_view $k:sanitized -1] $k
            }
            r -1 config set sanitize-dump-payload no
        }
    }
}
