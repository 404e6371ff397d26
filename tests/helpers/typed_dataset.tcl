# typed_dataset.tcl - one dataset with every type in every encoding, for
# the tests that move data between our server and stock 7.0.15 (RDB, DUMP,
# AOF), and per-key views to compare a dataset before and after the move.
# Each proc takes a server level (0 the innermost server, -1 the one
# around it).

# The same dataset on both servers: every type in every encoding, with
# compressed list nodes and thresholds moved so both encodings of each type
# appear; build_typed_dataset takes a server level.
proc build_typed_dataset {level} {
    r $level flushall
    r $level config set list-compress-depth 2
    r $level sadd s_intset 5 -3 70000 9000000000
    r $level sadd s_ht a b 1 [string repeat s 70]
    r $level hset h_lp f 1 g [string repeat h 50] n -42
    r $level zadd z_lp 1 a -2.5 b inf c 1e300 d
    r $level rpush l_small a 1 -1 [string repeat w 64]
    for {set i 0} {$i < 600} {incr i} {
        r $level sadd s_bigintset [expr {$i * 7}]
        r $level hset h_ht field:$i value:$i
        r $level zadd z_sl [expr {$i / 3.0}] member:$i
        r $level rpush l_big "item $i [string repeat abc 20]"
        r $level rpush l_mixed $i
    }
    r $level hset h_longval f [string repeat V 80]
    r $level zadd z_longmember 3 [string repeat M 80]
    r $level config set list-compress-depth 0
    r $level expire l_small 100000
    # HyperLogLogs (strings to every transfer) in both representations
    r $level pfadd hll_sparse a b c d
    r $level pfadd hll_dense a b c d
    r $level pfdebug todense hll_dense
}

set interop_keys {s_intset s_ht h_lp z_lp l_small s_bigintset h_ht z_sl l_big
    l_mixed h_longval z_longmember hll_sparse hll_dense}

proc key_view {key {level 0}} {
    set t [r $level type $key]
    switch $t {
        list {set body [r $level lrange $key 0 -1]}
        set {set body [lsort [r $level smembers $key]]}
        zset {set body [r $level zrange $key 0 -1 withscores]}
        hash {set body [lsort -stride 2 [r $level hgetall $key]]}
        stream {set body [stream_view $key $level]}
        string {
            # a HyperLogLog's representation, read from its header byte
            # (PFCOUNT would write the cached estimate into the value,
            # PFDEBUG is refused on a replica); other strings' digests
            # (below) say enough
            set body {}
            if {[r $level getrange $key 0 3] eq "HYLL"} {
                set body [expr {[r $level getrange $key 4 4] eq "\x01" ? "sparse" : "dense"}]
                # PFADD makes a raw string; loading it from an RDB or AOF
                # makes a short one embstr, on stock as on ours: the
                # object encoding says how the value was made, not what it is.
                return [list $t hyperloglog [r $level debug digest-value $key] $body]
            }
        }
        default {set body {}}
    }
    return [list $t [r $level object encoding $key] [r $level debug digest-value $key] $body]
}

proc all_views {keys {level 0}} {
    set out {}
    foreach k $keys {lappend out $k [key_view $k $level]}
    return $out
}

# Streams in every shape a rewrite or a save must keep: several listpack
# nodes with deleted entries (last one too, so last-id and max-deleted-id
# matter), entries with differing fields, groups with and without
# entries-read, consumers with and without pending entries (delivery counts
# above 1), an empty stream with a group and one made by MKSTREAM.
proc build_stream_dataset {level} {
    for {set i 1} {$i <= 250} {incr i} {
        if {$i % 3} {
            r $level xadd x_big $i-1 f $i v [string repeat x [expr {$i % 7}]]
        } else {
            r $level xadd x_big $i-1 other $i
        }
    }
    r $level xdel x_big 5-1 100-1 250-1
    r $level xgroup create x_big g0 0
    r $level xgroup create x_big g1 0
    r $level xgroup create x_big g2 \$ ENTRIESREAD 240
    r $level xreadgroup group g1 alice count 10 streams x_big >
    r $level xreadgroup group g1 bob count 5 streams x_big >
    r $level xack x_big g1 1-1
    r $level xclaim x_big g1 carol 0 3-1
    r $level xclaim x_big g1 carol 0 4-1 RETRYCOUNT 7
    r $level xgroup createconsumer x_big g1 dave
    r $level xreadgroup group g2 erin count 2 streams x_big 0
    r $level xadd x_small 1-1 a 1
    r $level xadd x_small 2-0 a 2 b 3
    r $level xadd x_empty 9-9 a 1
    r $level xgroup create x_empty grp \$
    r $level xgroup createconsumer x_empty grp zed
    r $level xdel x_empty 9-9
    r $level xgroup create x_mk g \$ mkstream
}

set stream_keys {x_big x_small x_empty x_mk}

# XINFO STREAM FULL without the consumers' seen-time (set by whoever
# recreates a consumer, stock included).
proc stream_view {key {level 0}} {
    regsub -all {seen-time \d+} [r $level xinfo stream $key full] {seen-time *} view
    return $view
}

# Every key of every database (view, volatile or not) and the function
# libraries: what a whole dataset looks like.
proc dataset_views {{level 0}} {
    set out [list functions [r $level function list withcode]]
    for {set db 0} {$db < 16} {incr db} {
        r $level select $db
        foreach k [lsort [r $level keys *]] {
            lappend out $db $k [key_view $k $level] [expr {[r $level pttl $k] > 0}]
        }
    }
    r $level select 0
    return $out
}
