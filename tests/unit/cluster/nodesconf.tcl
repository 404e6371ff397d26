# nodes.conf files from other versions: a 7.2-style file (hostname and
# ",key=value" aux fields in the address, importing slots, a replica) loads,
# and what we write back is 7.0's format. A corrupt file stops start-up.
source [file join $::tests_root helpers cluster.tcl]

set me a98580860f7a1c803ce13a0df7ba9a09360528e6
set other e0ce044b98825509dafaa34ecc56be3c592b9843
set rep 1cabd8044fae4bc9ae5172c4f05447d87137a7ef
set shard 0123456789abcdef0123456789abcdef01234567

proc write_nodes_conf {dir text} {
    file mkdir $dir
    set fd [open [file join $dir nodes.conf] w]
    puts -nonewline $fd $text
    close $fd
}

set dir [file normalize [file join $::tests_root tmp "nodesconf72.[pid]"]]
write_nodes_conf $dir [join [list \
    "$other 127.0.0.1:30002@40002,,tls-port=0,shard-id=$shard master - 0 1796161016462 2 connected 5001-10000" \
    "$me 127.0.0.1:30001@40001,host1.example,tls-port=0,shard-id=$shard myself,master - 0 0 1 connected 0-5000 10001 \[5001-<-$other\]" \
    "$rep 127.0.0.1:30003@40003,,tls-port=0,shard-id=$shard slave $me 0 1796161016462 1 connected" \
    "vars currentEpoch 7 lastVoteEpoch 3" ""] \n]

start_server [list tags {cluster} overrides [list cluster-enabled yes dir $dir cluster-node-timeout 100000 cluster-announce-hostname myhost.example]] {
    test {A 7.2-style nodes.conf loads (our hostname comes from our config)} {
        assert_equal $me [r cluster myid]
        set nodes [r cluster nodes]
        assert_match "*$me 127.0.0.1:*@*,myhost.example myself,master - 0 * 1 connected 0-5000 10001 \\\[5001-<-$other\\\]*" $nodes
        assert_match "*$other 127.0.0.1:30002@40002 master - * 2 * 5001-10000*" $nodes
        assert_match "*$rep 127.0.0.1:30003@40003 slave $me * 1 *" $nodes
        assert_match "*cluster_current_epoch:7*" [r cluster info]
        assert_match "*cluster_my_epoch:1*" [r cluster info]
        assert_equal 1 [llength [r cluster replicas $me]]
    }

    test {What we save is 7.0's nodes.conf format} {
        r cluster saveconfig
        set fd [open [file join $dir nodes.conf] r]
        set data [read $fd]
        close $fd
        assert_no_match "*shard-id*" $data
        assert_no_match "*tls-port*" $data
        assert_match "*\nvars currentEpoch 7 lastVoteEpoch 3\n" "\n$data"
        assert_match "*$me 127.0.0.1:[srv 0 port]@[expr {[srv 0 port] + 10000}],myhost.example myself,master *" $data
    }
}
catch {file delete -force $dir}

test {A corrupt nodes.conf stops start-up} {
    set bad [file normalize [file join $::tests_root tmp "nodesconfbad.[pid]"]]
    write_nodes_conf $bad "$me 127.0.0.1:30001@40001 myself,bogusflag - 0 0 1 connected\n"
    set port [find_available_port]
    catch {exec timeout 10 $::server_binary --port $port --cluster-enabled yes --dir $bad \
               --save "" --appendonly no --bind 127.0.0.1} out
    file delete -force $bad
    assert_match "*Unrecoverable error: corrupted cluster config file*" $out
}
