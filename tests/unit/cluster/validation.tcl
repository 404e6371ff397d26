# Bus packet validation against stock 7.0.15: the same MODULE,
# PUBLISHSHARD, unknown-type, other-version and wrong-length packets sent
# to a lone stock node and to ours give the same warnings, keep the link
# open (a valid packet after each one is still processed), and count the
# same in CLUSTER INFO (stock counts every framed packet of a known type,
# even one it then ignores).
source [file join $::tests_root helpers cluster.tcl]

if {![file executable $::stock_server]} {
    puts "skipping bus validation tests: no $::stock_server"
    return
}

# A message header (2256 bytes) from a node nobody knows.
proc vhdr {totlen type {ver 1} {sender f}} {
    set h "RCmb[binary format ISSSS $totlen $ver 7000 $type 0]"
    append h [string repeat \x00 24] [string repeat $sender 40]
    append h [string repeat \x00 [expr {2214 - [string length $h]}]]
    append h [binary format S 0] [string repeat \x00 30]
    append h [binary format SSScc 0 17000 1 0 0] [string repeat \x00 2]
    return $h
}

proc vmodule {declared actual} {
    return "[vhdr [expr {2269 + $actual}] 9][binary format WIc 42 $declared 1][string repeat x $actual]"
}

proc vpublish {type chanlen msglen} {
    return "[vhdr 2271 $type][binary format II $chanlen $msglen]chhello"
}

# Packets whose warnings stock and ours print alike.
proc vcases {} {
    list [vmodule 5 5] [vmodule 10 5] [vpublish 10 2 5] [vpublish 10 2 50] [vpublish 4 9 9] \
        [vhdr 2256 77] "[vhdr 3000 11][string repeat \x00 744]" "[vhdr 2300 65535][string repeat \x00 44]" \
        [vhdr 2256 0 2] "[vhdr 2300 7][string repeat \x00 44]" "[vhdr 2264 8][string repeat \x00 8]" \
        "[vhdr 2300 5][string repeat \x00 44]" "[vhdr 2256 3]"
}

# Too short to hold their length fields: stock reads those past the packet
# (its warning shows whatever follows), so only the outcome is compared.
proc vshort_cases {} {
    list "[vhdr 2260 9][string repeat \x00 4]" "[vhdr 2260 10][string repeat \x00 4]"
}

# Sends each packet on its own connection followed by a valid unknown-type
# packet, and waits until the node has processed every follower.
proc vsend {level port cases} {
    set before [vcount_followers $level]
    foreach pkt $cases {
        set fd [socket 127.0.0.1 $port]
        fconfigure $fd -translation binary
        puts -nonewline $fd $pkt[vhdr 2256 200 1 e]
        flush $fd
        close $fd
    }
    set want [expr {$before + [llength $cases]}]
    wait_for_condition 100 50 {[vcount_followers $level] >= $want} else {
        fail "the node processed [vcount_followers $level] of $want followers: a link was closed?"
    }
}

proc vcount_followers {level} {
    llength [lsearch -all [vlog $level] "Received unknown packet type: 200"]
}

# The node's bus-related warnings, without pid and time.
proc vlog {level} {
    set out {}
    foreach line [split [exec cat [srv $level stdout]] \n] {
        if {[regexp {^\d+:[A-Z] [^#]*# (Received .*)$} $line -> msg]} {lappend out $msg}
    }
    return $out
}

proc vstats {} {
    lsearch -all -inline [split [r cluster info] "\r\n"] "cluster_stats_messages_*"
}

set ::vresults {}
foreach bin [list $::stock_server ours] {
    set options [list tags {cluster} overrides [list cluster-enabled yes]]
    if {$bin ne "ours"} {lappend options binary $bin}
    start_server $options {
        set bport [expr {[srv 0 port] + 10000}]
        vsend 0 $bport [vcases]
        set log [vlog 0]
        vsend 0 $bport [vshort_cases]
        lappend ::vresults [list $log [vstats] [r ping]]
    }
}

test {MODULE, PUBLISHSHARD, unknown types, other versions, bad lengths: warnings as stock's} {
    lassign $::vresults stock ours
    assert_equal [lindex $stock 0] [lindex $ours 0]
    assert_match "*{Received invalid module packet of length 2274 but expected length 2279}*" [lindex $ours 0]
    assert_match "*{Received unknown packet type: 65535}*" [lindex $ours 0]
}

test {... and CLUSTER INFO counts them as stock does; the node is fine} {
    lassign $::vresults stock ours
    assert_equal [lindex $stock 1] [lindex $ours 1]
    assert_match "*cluster_stats_messages_module_received:3*" [lindex $ours 1]
    assert_equal PONG [lindex $ours 2]
}
