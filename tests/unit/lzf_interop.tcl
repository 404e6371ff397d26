# lzf_interop.tcl - our LZF compressor emits liblzf's exact bytes: DUMP
# payloads and DEBUG OBJECT serializedlength of compressible values agree
# byte for byte with a stock redis-server 7.0.15 started side by side.
# (Inner server: stock, `r`; outer: ours, `r -1`.)

# Values of many shapes and sizes; everything over 20 bytes is a candidate
# for compression, some compress well, some barely, some not at all.
proc lzf_interop_values {} {
    expr {srand(20261201)}
    set vals {}
    foreach n {21 22 23 24 30 64 100 1000 20000} {
        lappend vals [string repeat a $n]
    }
    foreach n {25 26 90 300 5000} {
        lappend vals [string range [string repeat abc $n] 0 [expr {$n - 1}]]
        lappend vals [string range [string repeat "hello world, " $n] 0 [expr {$n - 1}]]
    }
    foreach {n alphabet} {40 ab 200 ab 120 0123456789 3000 0123456789 500 abcdefghijklmnopqrstuvwxyz} {
        set s {}
        for {set i 0} {$i < $n} {incr i} {
            append s [string index $alphabet [expr {int(rand() * [string length $alphabet])}]]
        }
        lappend vals $s
    }
    # A block repeated within and beyond the 8 KB reach of back references.
    set block [lindex $vals end]
    lappend vals "$block[string repeat z 7600]$block[string repeat y 8500]$block"
    # Just past the size where compression pays: output size near len - 4.
    lappend vals "[string repeat q 10][lindex $vals end-2]"
    return $vals
}

proc lzf_serialized_length {args} {
    regexp {serializedlength:(\d+)} [r {*}$args debug object k] -> n
    return $n
}

start_server {tags {lzf}} {
    if {![file executable /usr/bin/redis-server]} {
        puts "skipping lzf_interop: no stock /usr/bin/redis-server"
        return
    }
    start_server {tags {lzf} binary /usr/bin/redis-server} {
        test {DUMP of compressible strings is byte-identical to stock} {
            foreach v [lzf_interop_values] {
                r set k $v
                r -1 set k $v
                assert_equal [r dump k] [r -1 dump k] "length [string length $v]"
                assert_equal [lzf_serialized_length] [lzf_serialized_length -1] \
                    "length [string length $v]"
            }
        }

        # Collections are stored as one (compressed) listpack blob; types
        # whose DUMP this build does not write yet are left out.
        test {DUMP of compressible collections is byte-identical to stock} {
            set compared 0
            # A hash over hash-max-listpack-value is a hash table, saved in
            # dict order, which depends on each process's random hash seed:
            # give it one field so the order cannot differ.
            set lp_value_max [lindex [r config get hash-max-listpack-value] 1]
            foreach v [lrange [lzf_interop_values] 5 end] {
                set w [string range $v 3 end]
                if {[string length $v] <= $lp_value_max} {
                    set hfill [list hset k f1 $v f2 $w]
                } else {
                    set hfill [list hset k f1 $v]
                }
                foreach {type fill} [list \
                    list [list rpush k $v $v x $v] \
                    hash $hfill \
                    zset [list zadd k 1 $v 2 $w]] {
                    foreach srv {0 -1} {
                        r $srv del k
                        r $srv {*}$fill
                    }
                    if {[catch {r -1 dump k} ours]} continue
                    assert_equal [r dump k] $ours "$type, length [string length $v]"
                    assert_equal [lzf_serialized_length] [lzf_serialized_length -1] \
                        "$type, length [string length $v]"
                    incr compared
                }
            }
            if {!$compared} { puts "  (no collection DUMP in this build: nothing compared)" }
        }

        test {RESTORE of our payloads into stock round-trips} {
            foreach v [lzf_interop_values] {
                r -1 set k $v
                r restore k2 0 [r -1 dump k] replace
                assert_equal $v [r get k2]
            }
        }
    }
}
