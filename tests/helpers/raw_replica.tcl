# A replica by hand over a raw socket: REPLCONF, SYNC, the snapshot and
# what follows it (used by replication_filter.tcl, replication_attach.tcl).

proc raw_cmd {args} {
    set s "*[llength $args]\r\n"
    foreach a $args { append s "\$[string length $a]\r\n$a\r\n" }
    return $s
}

# Appends what the non-blocking socket has to the caller's buffer until
# cond (an expression in the caller) holds; fails after ms milliseconds.
proc raw_wait {fd bufvar cond ms what} {
    upvar 1 $bufvar buf
    set deadline [expr {[clock milliseconds] + $ms}]
    while {1} {
        append buf [read $fd]
        if {[uplevel 1 [list expr $cond]]} return
        if {[eof $fd]} { fail "$what: connection closed" }
        if {[clock milliseconds] > $deadline} { fail "$what: timed out" }
        after 10
    }
}

# A replica by hand: the REPLCONF pairs (each must answer +OK), then SYNC
# (or the given command, e.g. {PSYNC ? -1}).
proc raw_sync_start {port replconf {sync SYNC}} {
    set fd [socket 127.0.0.1 $port]
    fconfigure $fd -translation binary -buffering none -blocking 0
    foreach {opt val} $replconf {
        puts -nonewline $fd [raw_cmd REPLCONF $opt $val]
        set buf ""
        raw_wait $fd buf {[string first "\r\n" $buf] != -1} 10000 "REPLCONF $opt"
        if {$buf ne "+OK\r\n"} { close $fd; fail "REPLCONF $opt $val: $buf" }
    }
    puts -nonewline $fd [raw_cmd {*}$sync]
    return $fd
}

# After PSYNC: the +FULLRESYNC line (the newlines before it skipped),
# read a byte at a time to leave the snapshot to raw_sync_rdb. Returns
# the offset.
proc raw_fullresync_offset {fd} {
    set line ""
    set deadline [expr {[clock milliseconds] + 60000}]
    while {![string match "*\r\n" $line]} {
        set ch [read $fd 1]
        if {$ch eq ""} {
            if {[eof $fd]} { fail "PSYNC: connection closed" }
            if {[clock milliseconds] > $deadline} { fail "PSYNC: timed out" }
            after 10
            continue
        }
        if {$line eq "" && $ch eq "\n"} continue
        append line $ch
    }
    if {![regexp {^\+FULLRESYNC [0-9a-f]{40} (\d+)\r\n$} $line -> offset]} { fail "PSYNC reply: $line" }
    return $offset
}

# The snapshot that answers the SYNC: "$EOF:<mark>\r\n<rdb><mark>" or
# "$<len>\r\n<rdb>", after the newlines a master sends while the replica
# waits. An error reply is raised. Returns {rdb what-followed}.
proc raw_sync_rdb {fd} {
    set buf ""
    raw_wait $fd buf {[string first "\r\n" [string trimleft $buf "\n"]] != -1} 60000 "SYNC reply"
    set buf [string trimleft $buf "\n"]
    set eol [string first "\r\n" $buf]
    set head [string range $buf 0 $eol-1]
    set buf [string range $buf $eol+2 end]
    if {[string index $head 0] eq "-"} { return -code error [string range $head 1 end] }
    if {[string match {$EOF:*} $head]} {
        set mark [string range $head 5 end]
        raw_wait $fd buf {[string first $mark $buf] != -1} 60000 "RDB"
        set end [string first $mark $buf]
        return [list [string range $buf 0 $end-1] [string range $buf $end+40 end]]
    }
    set len [string range $head 1 end]
    raw_wait $fd buf {[string length $buf] >= $len} 60000 "RDB"
    return [list [string range $buf 0 $len-1] [string range $buf $len end]]
}

