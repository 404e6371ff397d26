# Every type in every encoding (the typed interop dataset: lists, sets,
# hashes and sorted sets in both encodings, sparse and dense HyperLogLogs,
# streams with groups, consumers and pending entries) moved between our
# server and stock 7.0.15 by MIGRATE and by replication (the full sync's RDB
# and the command stream after it), in both directions. Keys are compared by
# type, encoding, DEBUG DIGEST-VALUE and contents (typed_dataset.tcl).
source [file join $::tests_root helpers typed_dataset.tcl]

set ::stock_server /usr/bin/redis-server
set transfer_keys [concat $interop_keys $stream_keys]

proc build_transfer_dataset {level} {
    build_typed_dataset $level
    build_stream_dataset $level
    r $level geoadd geo 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
}

# Writes of every type, sent to a master whose replica must apply them as
# the master did: appended, trimmed, converted across encodings, deleted.
proc write_every_type {level} {
    r $level config set zset-max-listpack-entries 128
    r $level rpush l_small x y
    r $level lpop l_small
    r $level linsert l_big before "item 3 [string repeat abc 20]" inserted
    r $level ltrim l_mixed 10 -10
    r $level lmove l_mixed l_small left right
    r $level sadd s_intset 12 notanint
    r $level spop s_ht
    r $level srem s_bigintset 0 7 14
    r $level sinterstore s_inter s_bigintset s_intset
    r $level hset h_lp new [string repeat n 100]
    r $level hincrbyfloat h_ht counter 1.5
    r $level hdel h_ht field:2
    r $level zadd z_lp 7 e
    r $level zincrby z_sl 2.5 member:10
    r $level zremrangebyrank z_sl 0 9
    r $level zunionstore z_union 2 z_lp z_sl weights 2 1
    r $level zpopmin z_longmember
    r $level pfadd hll_sparse e f g
    r $level pfmerge hll_merged hll_sparse hll_dense
    r $level xadd x_small 3-0 c 4
    r $level xtrim x_big maxlen 200
    r $level xreadgroup group g0 frank count 3 streams x_big >
    r $level xack x_big g1 2-1
    r $level xclaim x_big g1 carol 0 6-1
    r $level xautoclaim x_big g1 dave 0 0 count 2
    r $level xgroup setid x_big g2 0
    r $level xgroup delconsumer x_big g1 bob
    r $level xadd x_mk maxlen 1 * f v
    r $level geoadd geo 2.35 48.85 Paris
    r $level geosearchstore geo_near geo fromlonlat 15 37 byradius 200 km
    r $level expire h_lp 100000
}

# Per key: its view and whether it has a TTL. A short string (a sparse
# HyperLogLog) made raw by PFADD loads as embstr on both servers, so a
# string's encoding is left out here (rdb_types_interop.tcl compares the
# encodings each server gives the same loaded value).
proc transfer_views {keys level} {
    set out {}
    foreach k $keys {
        set v [key_view $k $level]
        if {[lindex $v 0] eq "string"} {lset v 1 string}
        lappend out $k $v [expr {[r $level pttl $k] > 0}]
    }
    return $out
}

# Views (transfer_views) compared key by key: the message names the keys
# that differ, with both views.
proc assert_same_views {a b} {
    set bad {}
    foreach {k va ta} $a {kb vb tb} $b {
        if {$k ne $kb || $va ne $vb || $ta ne $tb} {
            # show both from a little before the first difference
            set x "$va $ta"
            set y "$vb $tb"
            set i 0
            while {$i < [string length $x] && [string index $x $i] eq [string index $y $i]} {incr i}
            set from [expr {max(0, $i - 200)}]
            lappend bad "$k: ..[string range $x $from [expr {$i + 300}]]\n  vs $kb: ..[string range $y $from [expr {$i + 300}]]"
        }
    }
    if {[llength $bad]} {fail [join $bad \n]}
}

# the keys at level (any database 0 key, so new ones made by writes count)
proc db0_keys {level} {
    lsort [r $level keys *]
}

start_server {tags {interop migrate}} {
    start_server [list tags {interop migrate} binary $::stock_server] {
        set our_port [srv -1 port]
        set stock_port [srv 0 port]

        foreach {from to label port} [list -1 0 "ours to stock" $stock_port \
                                          0 -1 "stock to ours" $our_port] {
            test "MIGRATE of every type and encoding, $label" {
                r $to flushall
                build_transfer_dataset $from
                set keys [db0_keys $from]
                set before [transfer_views $keys $from]
                # one key alone (with its TTL), then the rest in one batch
                assert_equal OK [r $from migrate 127.0.0.1 $port l_small 0 5000]
                set rest [lsearch -all -inline -not -exact $keys l_small]
                assert_equal OK [r $from migrate 127.0.0.1 $port "" 0 5000 keys {*}$rest]
                assert_equal 0 [r $from dbsize]
                assert_equal $keys [db0_keys $to]
                assert_same_views $before [transfer_views $keys $to]
                assert_range [r $to ttl l_small] 99000 100000
            }

            test "MIGRATE COPY REPLACE of every type onto existing keys, $label" {
                build_transfer_dataset $from
                set keys [db0_keys $from]
                r $to flushall
                foreach k $keys {r $to set $k placeholder}
                assert_equal OK [r $from migrate 127.0.0.1 $port "" 0 5000 copy replace keys {*}$keys]
                assert_same_views [transfer_views $keys $from] [transfer_views $keys $to]
            }
        }
    }
}

foreach {mbin rbin label} [list $::stock_server {} "stock master, our replica" \
                                 {} $::stock_server "our master, stock replica"] {
    set mopts [list tags {interop repl} overrides {repl-diskless-sync no}]
    if {$mbin ne ""} {lappend mopts binary $mbin}
    set ropts [list tags {interop repl}]
    if {$rbin ne ""} {lappend ropts binary $rbin}
    start_server $mopts {
        start_server $ropts {
            set master [srv -1 client]
            set replica [srv 0 client]

            test "$label: the full sync carries every type and encoding" {
                build_transfer_dataset -1
                $replica replicaof [srv -1 host] [srv -1 port]
                wait_for_sync $replica
                wait_for_ofs_sync $master $replica
                set keys [db0_keys -1]
                assert_equal $keys [db0_keys 0]
                assert_same_views [transfer_views $keys -1] [transfer_views $keys 0]
                assert_equal [$master debug digest] [$replica debug digest]
            }

            test "$label: the command stream applies writes of every type" {
                write_every_type -1
                wait_for_ofs_sync $master $replica
                set keys [db0_keys -1]
                assert_equal $keys [db0_keys 0]
                assert_same_views [transfer_views $keys -1] [transfer_views $keys 0]
                assert_equal [$master debug digest] [$replica debug digest]
            }
        }
    }
}
