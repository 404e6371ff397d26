# Resharding under load: stock `redis-cli --cluster reshard` moves 1000
# slots holding 100k keys from one of our masters to another while stock
# `redis-benchmark --cluster` keeps writing. Every key arrives (MIGRATE,
# ASK and MOVED on our side), `redis-cli --cluster check` is clean, and the
# benchmark finishes.
source [file join $::tests_root helpers cluster.tcl]

set ::fill_script [file join $::tests_root helpers cluster_fill.py]

proc cluster_fill {mode port lo hi per {first 0}} {
    exec /usr/bin/python3 $::fill_script $mode $port $lo $hi $per $first 2>@1
}

start_cluster_nodes {ours ours ours} {
    test {redis-cli --cluster reshard of 1000 slots (100k keys) under redis-benchmark load} {
        set addrs [lmap p $::cluster_ports {set _ 127.0.0.1:$p}]
        redis_cli --cluster create {*}$addrs --cluster-yes
        cluster_wait_ok 3
        set p0 [lindex $::cluster_ports 0]
        assert_equal {OK 100000} [cluster_fill fill $p0 0 999 100]
        set from [R 0 cluster myid]
        set to [R 1 cluster myid]
        set bench [open "|redis-benchmark --cluster -p $p0 -t set -n 60000 -r 1000000 -c 10 -q 2>@1" r]
        # And writes into the very slots that move, redirected by ASK/MOVED.
        set writer [open "|/usr/bin/python3 $::fill_script fill $p0 0 999 10 100 2>@1" r]
        set out [redis_cli --cluster reshard 127.0.0.1:$p0 --cluster-from $from --cluster-to $to \
                     --cluster-slots 1000 --cluster-pipeline 100 --cluster-yes]
        set bout [read $bench]
        close $bench
        set wout [read $writer]
        close $writer
        assert_no_match {*ERR*} $out
        assert_match {*SET: *requests per second*} $bout
        assert_no_match {*rror*} $bout
        assert_equal {OK 10000} [string trim $wout]
        assert_equal 0 [R 0 cluster countkeysinslot 500]
        assert_equal 110 [R 1 cluster countkeysinslot 500]
        assert_equal {OK 100000} [cluster_fill verify $p0 0 999 100]
        assert_equal {OK 10000} [cluster_fill verify $p0 0 999 10 100]
        set check [cluster_wait_cli_check $p0]
        assert_match {*All nodes agree about slots configuration*} $check
        assert_match {*All 16384 slots covered*} $check
        assert_no_match {*WARNING*} $check
        assert_no_match {*ERR*} $check
    }
}
