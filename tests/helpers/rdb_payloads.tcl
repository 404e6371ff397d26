# rdb_payloads.tcl - builds RDB pieces byte by byte for the RDB tests:
# lengths, strings, text doubles, ziplists (the pre-7.0 packed encoding),
# zipmaps (pre-2.6 hashes), small listpacks, DUMP payloads (checksum left
# zero: restore them under DEBUG SET-SKIP-CHECKSUM-VALIDATION 1), and a
# payload corrupter for fuzzing. Formats as documented for Redis 7.0.

proc rdb_len {n} {
    if {$n < 64} {return [binary format c $n]}
    if {$n < 16384} {return [binary format cc [expr {0x40 | ($n >> 8)}] [expr {$n & 0xff}]]}
    return [binary format cI 0x80 $n]
}

proc rdb_str {s} {
    return "[rdb_len [string length $s]]$s"
}

# RDB_TYPE_ZSET's text score: length byte then digits (253 nan, 254 inf, 255 -inf).
proc rdb_dbl_text {v} {
    switch -- $v {
        inf - +inf {return [binary format c 254]}
        -inf {return [binary format c 255]}
        nan {return [binary format c 253]}
    }
    return "[binary format c [string length $v]]$v"
}

# type byte + value + RDB version 10 + (zero) CRC64
proc dump_payload {type body} {
    return "[binary format c $type]$body[binary format s 10][binary format w 0]"
}

proc canonical_int {s} {
    if {![string is entier -strict $s]} {return 0}
    if {$s ne [format %lld $s]} {return 0}
    return [expr {$s >= -9223372036854775808 && $s <= 9223372036854775807}]
}

# Encoding and data of one ziplist entry (integers as stock encodes them).
proc zl_entry_body {v} {
    if {[canonical_int $v] && [string length $v] <= 20} {
        if {$v >= 0 && $v <= 12} {return [binary format c [expr {0xF1 + $v}]]}
        if {$v >= -128 && $v <= 127} {return [binary format cc 0xFE $v]}
        if {$v >= -32768 && $v <= 32767} {return [binary format cs 0xC0 $v]}
        if {$v >= -8388608 && $v <= 8388607} {
            return "[binary format c 0xF0][string range [binary format i $v] 0 2]"
        }
        if {$v >= -2147483648 && $v <= 2147483647} {return [binary format ci 0xD0 $v]}
        return [binary format cw 0xE0 $v]
    }
    set n [string length $v]
    if {$n < 64} {return "[binary format c $n]$v"}
    if {$n < 16384} {return "[binary format cc [expr {0x40 | ($n >> 8)}] [expr {$n & 0xff}]]$v"}
    return "[binary format cI 0x80 $n]$v"
}

proc zl_build {items} {
    set body ""
    set prev 0
    set tail 10
    foreach v $items {
        set tail [expr {10 + [string length $body]}]
        if {$prev < 254} {set e [binary format c $prev]} else {set e [binary format ci 254 $prev]}
        append e [zl_entry_body $v]
        append body $e
        set prev [string length $e]
    }
    set total [expr {10 + [string length $body] + 1}]
    return "[binary format iis $total $tail [llength $items]]$body[binary format c 255]"
}

proc zm_len {n} {
    if {$n < 254} {return [binary format c $n]}
    return [binary format ci 254 $n]
}

proc zm_build {pairs} {
    set out [binary format c [expr {[llength $pairs] / 2}]]
    foreach {f v} $pairs {
        append out [zm_len [string length $f]] $f [zm_len [string length $v]] [binary format c 0] $v
    }
    return "$out[binary format c 255]"
}

# Listpack of short strings (< 64 bytes) and small integers (0..127).
proc lp_build {items} {
    set body ""
    foreach v $items {
        if {[canonical_int $v] && $v >= 0 && $v <= 127} {
            append body [binary format cc $v 1]
        } else {
            set n [string length $v]
            append body [binary format c [expr {0x80 | $n}]] $v [binary format c [expr {$n + 1}]]
        }
    }
    set total [expr {6 + [string length $body] + 1}]
    return "[binary format is $total [llength $items]]$body[binary format c 255]"
}

# Flip a few bytes or truncate the value part of a DUMP payload (the
# 10-byte footer stays, so the value parser sees the damage).
proc corrupt_payload {d} {
    set body [string range $d 0 end-10]
    set footer [string range $d end-9 end]
    set n [string length $body]
    if {$n < 2} {return $d}
    if {rand() < 0.25} {
        set body [string range $body 0 [expr {int(rand() * ($n - 1))}]]
    } else {
        set flips [expr {1 + int(rand() * 3)}]
        for {set i 0} {$i < $flips} {incr i} {
            set pos [expr {1 + int(rand() * ($n - 1))}]
            set byte [binary format c [expr {int(rand() * 256)}]]
            set body [string replace $body $pos $pos $byte]
        }
    }
    return "$body$footer"
}
