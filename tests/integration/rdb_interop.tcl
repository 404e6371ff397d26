# RDB files move between stock Redis 7.0.15 and our server: stock writes,
# ours loads the same dataset (DEBUG DIGEST, values, encodings, TTLs);
# ours writes, stock redis-check-rdb accepts the file and stock
# redis-server loads the same dataset.

set ::stock_server /usr/bin/redis-server
set ::stock_check_rdb /usr/bin/redis-check-rdb

proc interop_fill {} {
    r flushall
    r set int 12345
    r set negint -129
    r set int16 -32768
    r set int32 2147483647
    r set bigint 9223372036854775807
    r set embstr hello
    r set raw [string repeat "q" 45]
    r set compressible [string repeat "compress me please " 200]
    r set random [randstring 3000 3000 binary]
    r set empty ""
    r set leadzero 0123
    r set vol v px 100000000
    r set volsec v ex 90000
    for {set i 0} {$i < 300} {incr i} {r set key:$i [string repeat $i 30]}
    r select 5
    r set db5 five
    r set exp5 e px 50000000
    r select 15
    r set 42 numeric-key
    r select 9
}

# TTLs compared to the nearest 100 s: seconds pass between the two
# snapshots on a busy machine, and a plain ttl/100 flips at 1000 -> 999.
proc ttl_bucket {pttl} {
    if {$pttl < 0} {return $pttl}
    expr {($pttl + 50000) / 100000}
}

proc interop_snapshot {} {
    set out {}
    foreach db {0 5 15} {
        r select $db
        foreach k [lsort [r keys *]] {
            lappend out $db $k [r get $k] [r object encoding $k] [ttl_bucket [r pttl $k]]
        }
    }
    r select 9
    return $out
}

proc saved_file {} {
    file join [lindex [r config get dir] 1] [lindex [r config get dbfilename] 1]
}

# A fresh directory holding a copy of the file as dump.rdb.
proc dir_with_copy {file} {
    set dir [file join $::tests_root tmp "interop.[pid].[incr ::interop_seq]"]
    file mkdir $dir
    file copy -force $file [file join $dir dump.rdb]
    return [file normalize $dir]
}

foreach compression {yes no} {
    start_server [list tags {rdb interop} binary $::stock_server overrides [list rdbcompression $compression]] {
        interop_fill
        set digest [r debug digest]
        set snapshot [interop_snapshot]
        r save
        set dir [dir_with_copy [saved_file]]

        test "Stock-written RDB (rdbcompression $compression) loads in ours with the same data" {
            start_server [list tags {rdb interop} overrides [list dir $dir]] {
                assert_equal $digest [r debug digest]
                assert_equal $snapshot [interop_snapshot]
                verify_log_message 0 "*Loading RDB produced by version 7.0.15*" 0
            }
        }
        file delete -force $dir
    }

    start_server [list tags {rdb interop} overrides [list rdbcompression $compression]] {
        interop_fill
        set digest [r debug digest]
        set snapshot [interop_snapshot]

        test "Our RDB (rdbcompression $compression) passes stock redis-check-rdb" {
            r save
            set out [exec $::stock_check_rdb [saved_file]]
            assert_match {*Checksum OK*RDB looks OK!*} $out
            assert_match {*\[info\] 316 keys read*} $out
            assert_match {*\[info\] 3 expires*} $out
        }

        test "Stock redis-server loads our RDB (rdbcompression $compression) with the same data" {
            set dir [dir_with_copy [saved_file]]
            start_server [list tags {rdb interop} binary $::stock_server overrides [list dir $dir]] {
                assert_equal $digest [r debug digest]
                assert_equal $snapshot [interop_snapshot]
            }
            file delete -force $dir
        }
    }
}

start_server {tags {rdb interop}} {
    test {A BGSAVE file of a larger dataset loads in stock identically} {
        r debug populate 50000 key 100
        for {set i 0} {$i < 50} {incr i} {r set big:$i [string repeat "$i-abc " 5000]}
        set digest [r debug digest]
        r bgsave
        wait_for_condition 500 20 {[s rdb_bgsave_in_progress] == 0} else {fail "BGSAVE stuck"}
        assert_equal ok [s rdb_last_bgsave_status]
        assert_match {*RDB looks OK!*} [exec $::stock_check_rdb [saved_file]]
        set dir [dir_with_copy [saved_file]]
        start_server [list tags {rdb interop} binary $::stock_server overrides [list dir $dir]] {
            assert_equal $digest [r debug digest]
            # ... and back: stock saves it, ours loads it.
            r save
            set back [dir_with_copy [saved_file]]
        }
        file delete -force $dir
        start_server [list tags {rdb interop} overrides [list dir $back]] {
            assert_equal $digest [r debug digest]
        }
        file delete -force $back
    }
}
