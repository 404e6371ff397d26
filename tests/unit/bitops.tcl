# Bitmap commands (src/bitops.c): SETBIT/GETBIT, BITCOUNT, BITPOS, BITOP,
# BITFIELD and BITFIELD_RO, checked against Tcl models, plus a randomized
# differential check against stock redis-server 7.0.15. Static
# reply-by-reply comparisons live in tests/diff/bitops.txt.
source [file join $::tests_root support diff.tcl]

# Number of set bits in a binary string.
proc count_bits {s} {
    binary scan $s b* bits
    return [llength [lsearch -all [split $bits ""] 1]]
}

# Bits of a string MSB first, as a list of 0/1.
proc string_bits {s} {
    binary scan $s B* bits
    return [split $bits ""]
}

# Random arguments for the differential test at the end of this file.
proc rnd_idx {} {
    lindex [list [expr {[randomInt 60] - 30}] [expr {[randomInt 400] - 200}] 0 -1] [randomInt 4]
}

proc rnd_bitfield_ops {} {
    set ops {}
    for {set n [expr {1 + [randomInt 4]}]} {$n > 0} {incr n -1} {
        set kind [lindex {get set incrby overflow} [randomInt 4]]
        if {$kind eq "overflow"} {
            lappend ops overflow [lindex {WRAP SAT FAIL} [randomInt 3]]
            continue
        }
        set sign [lindex {i u} [randomInt 2]]
        set bits [expr {1 + [randomInt [expr {$sign eq "i" ? 64 : 63}]]}]
        set off [expr {[randomInt 2] ? [randomInt 100] : "#[randomInt 10]"}]
        lappend ops $kind $sign$bits $off
        if {$kind ne "get"} {
            set vals [list [expr {[randomInt 600] - 300}] -1 \
                9223372036854775807 -9223372036854775808 \
                [expr {(1 << ($bits - 1))}] [expr {-(1 << ($bits - 1)) - 1}]]
            lappend ops [lindex $vals [randomInt [llength $vals]]]
        }
    }
    return $ops
}

start_server {tags {bitops}} {
    test {SETBIT returns the old bit and grows the string} {
        r del b
        assert_equal [r setbit b 7 1] 0
        assert_equal [r setbit b 7 1] 1
        assert_equal [r get b] "\x01"
        assert_equal [r setbit b 15 1] 0
        assert_equal [r strlen b] 2
        assert_equal [r setbit b 7 0] 1
        assert_equal [r get b] "\x00\x01"
        assert_encoding raw b
    }

    test {SETBIT on an int-encoded value} {
        r set n 1
        assert_equal [r setbit n 6 1] 0
        assert_equal [r get n] 3
    }

    test {SETBIT and GETBIT argument errors} {
        assert_error {ERR bit offset is not an integer or out of range} {r setbit b -1 1}
        assert_error {ERR bit offset is not an integer or out of range} {r setbit b 4294967296 1}
        assert_error {ERR bit offset is not an integer or out of range} {r setbit b x 1}
        assert_error {ERR bit is not an integer or out of range} {r setbit b 1 2}
        assert_error {ERR bit is not an integer or out of range} {r setbit b 1 -1}
        assert_error {ERR bit offset is not an integer or out of range} {r getbit b -1}
    }

    test {GETBIT reads zeros past the end and on missing keys} {
        r set g "\x80"
        assert_equal [r getbit g 0] 1
        assert_equal [r getbit g 1] 0
        assert_equal [r getbit g 1000] 0
        assert_equal [r getbit g-missing 3] 0
    }

    test {SETBIT/GETBIT agree with a model} {
        r del model
        set model {}
        for {set i 0} {$i < 500} {incr i} {
            set off [randomInt 300]
            set bit [randomInt 2]
            while {[llength $model] <= $off} {lappend model 0}
            while {[llength $model] % 8} {lappend model 0}
            assert_equal [r setbit model $off $bit] [lindex $model $off]
            lset model $off $bit
        }
        assert_equal [string_bits [r get model]] $model
        for {set i 0} {$i < 300} {incr i} {
            assert_equal [r getbit model $i] [lindex $model $i]
        }
    }

    test {BITCOUNT against random strings} {
        for {set i 0} {$i < 100} {incr i} {
            set s [randstring 0 100]
            r set bc $s
            assert_equal [r bitcount bc] [count_bits $s]
        }
    }

    test {BITCOUNT with byte and bit ranges} {
        r set s foobar
        assert_equal [r bitcount s] 26
        assert_equal [r bitcount s 0 0] 4
        assert_equal [r bitcount s 1 1] 6
        assert_equal [r bitcount s 1 1 BYTE] 6
        assert_equal [r bitcount s 5 30 BIT] 17
        assert_equal [r bitcount s -100 -1] 26
        assert_equal [r bitcount s -100 -200] 0
        assert_equal [r bitcount s 5 1] 0
        assert_equal [r bitcount missing] 0
        assert_error {ERR syntax error} {r bitcount s 1}
        assert_error {ERR syntax error} {r bitcount s 1 2 foo}
        assert_error {ERR value is not an integer or out of range} {r bitcount s a b}
    }

    test {BITCOUNT ranges agree with a model} {
        for {set i 0} {$i < 200} {incr i} {
            set s [randstring 0 20]
            r set bcr $s
            set bits [string_bits $s]
            set total [llength $bits]
            set a [expr {[randomInt 200] - 100}]
            set e [expr {[randomInt 200] - 100}]
            # Range semantics in bits
            set sa [expr {$a < 0 ? max(0, $total + $a) : $a}]
            set se [expr {$e < 0 ? max(0, $total + $e) : min($e, $total - 1)}]
            if {($a < 0 && $e < 0 && $a > $e) || $sa > $se || $total == 0} {
                set expected 0
            } else {
                set expected [llength [lsearch -all [lrange $bits $sa $se] 1]]
            }
            assert_equal [r bitcount bcr $a $e BIT] $expected
        }
    }

    test {BITPOS} {
        r set z "\x00\x00\x00"
        r set f "\xff\xff\xff"
        r set m "\x00\xff\xf0"
        assert_equal [r bitpos z 1] -1
        assert_equal [r bitpos z 0] 0
        assert_equal [r bitpos f 0] 24
        assert_equal [r bitpos f 0 1] 24
        assert_equal [r bitpos f 0 1 -1] -1
        assert_equal [r bitpos m 1] 8
        assert_equal [r bitpos m 0 1] 20
        assert_equal [r bitpos m 1 2] 16
        assert_equal [r bitpos m 1 7 15 BIT] 8
        assert_equal [r bitpos m 0 8 20 BIT] 20
        assert_equal [r bitpos missing 1] -1
        assert_equal [r bitpos missing 0] 0
        assert_error {ERR The bit argument must be 1 or 0.} {r bitpos m 2}
        assert_error {ERR syntax error} {r bitpos m 1 0 -1 foo}
    }

    test {BITPOS agrees with a model on long strings} {
        for {set i 0} {$i < 100} {incr i} {
            set len [randomInt 200]
            set fill [expr {[randomInt 2] ? "\xff" : "\x00"}]
            set s [string repeat $fill $len]
            set bit [expr {$fill eq "\xff" ? 0 : 1}]
            if {$len > 0 && [randomInt 2]} {
                set pos [randomInt [expr {$len * 8}]]
                r set bp $s
                r setbit bp $pos $bit
                set expected $pos
            } else {
                r set bp $s
                # a clear bit is found just past the end, unless empty
                set expected [expr {$bit == 0 && $len > 0 ? $len * 8 : -1}]
            }
            assert_equal [r bitpos bp $bit] $expected
        }
    }

    test {BITOP AND/OR/XOR/NOT} {
        r set k1 "\xf0\x0f"
        r set k2 "\xff"
        assert_equal [r bitop and dest k1 k2] 2
        assert_equal [r get dest] "\xf0\x00"
        assert_equal [r bitop or dest k1 k2] 2
        assert_equal [r get dest] "\xff\x0f"
        assert_equal [r bitop xor dest k1 k2] 2
        assert_equal [r get dest] "\x0f\x0f"
        assert_equal [r bitop not dest k1] 2
        assert_equal [r get dest] "\x0f\xf0"
    }

    test {BITOP with missing sources and an empty result} {
        r set d x
        assert_equal [r bitop and d no1 no2] 0
        assert_equal [r exists d] 0
        r set k1 "\xff"
        assert_equal [r bitop and d k1 no1] 1
        assert_equal [r get d] "\x00"
    }

    test {BITOP errors} {
        needs_commands rpush
        assert_error {ERR syntax error} {r bitop foo d k1}
        assert_error {ERR BITOP NOT must be called with a single source key.} {r bitop not d k1 k2}
        r del lst
        r rpush lst a
        assert_error {WRONGTYPE*} {r bitop and d k1 lst}
    }

    test {BITOP agrees with a Tcl model} {
        foreach op {and or xor} {
            for {set i 0} {$i < 30} {incr i} {
                set a [randstring 0 30]
                set b [randstring 0 30]
                r mset ba $a bb $b
                r bitop $op bd ba bb
                set len [expr {max([string length $a], [string length $b])}]
                set expected ""
                for {set j 0} {$j < $len} {incr j} {
                    set x [expr {$j < [string length $a] ? [scan [string index $a $j] %c] : 0}]
                    set y [expr {$j < [string length $b] ? [scan [string index $b $j] %c] : 0}]
                    switch $op {
                        and {set v [expr {$x & $y}]}
                        or {set v [expr {$x | $y}]}
                        xor {set v [expr {$x ^ $y}]}
                    }
                    append expected [format %c $v]
                }
                if {$len == 0} {
                    assert_equal [r exists bd] 0
                } else {
                    assert_equal [r get bd] $expected
                }
            }
        }
    }

    test {BITFIELD signed and unsigned GET/SET/INCRBY} {
        r del bf
        assert_equal [r bitfield bf set u8 0 255 get u8 0 get i8 0] {0 255 -1}
        assert_equal [r bitfield bf incrby u8 0 10] {9}
        assert_equal [r bitfield bf set i8 #1 -1 get u8 #1 get i4 8 get u4 12] {0 255 -1 15}
        r del bf
        assert_equal [r bitfield bf set u63 0 9223372036854775807 get u63 0] {0 9223372036854775807}
        assert_equal [r bitfield bf set i64 0 -9223372036854775808 get i64 0] {-2 -9223372036854775808}
        assert_equal [r bitfield bf overflow fail incrby i64 0 -1 overflow wrap incrby i64 0 -1] {{} 9223372036854775807}
    }

    test {BITFIELD overflow policies} {
        r del ov
        assert_equal [r bitfield ov set u8 0 250 overflow wrap incrby u8 0 10] {0 4}
        assert_equal [r bitfield ov set u8 0 250 overflow sat incrby u8 0 10] {4 255}
        assert_equal [r bitfield ov overflow fail incrby u8 0 1 get u8 0] {{} 255}
        assert_equal [r bitfield ov overflow sat incrby i8 0 -1000 get i8 0] {-128 -128}
        assert_equal [r bitfield ov overflow wrap incrby i8 0 -1] {127}
        assert_equal [r bitfield ov overflow sat set u8 0 -1 get u8 0] {127 255}
    }

    test {BITFIELD on a missing key} {
        r del bfm
        assert_equal [r bitfield bfm get u8 0] {0}
        assert_equal [r exists bfm] 0
        assert_equal [r bitfield bfm] {}
        assert_equal [r bitfield bfm overflow fail set u2 0 10] {{}}
        # the key was created even though nothing was written
        assert_equal [r get bfm] "\x00"
    }

    test {BITFIELD errors} {
        needs_commands rpush
        set typeerr {ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.}
        assert_error $typeerr {r bitfield x get u64 0}
        assert_error $typeerr {r bitfield x get i65 0}
        assert_error $typeerr {r bitfield x get u0 0}
        assert_error $typeerr {r bitfield x get U8 0}
        assert_error {ERR bit offset is not an integer or out of range} {r bitfield x get u8 -1}
        assert_error {ERR bit offset is not an integer or out of range} {r bitfield x get u8 #536870912}
        assert_error {ERR value is not an integer or out of range} {r bitfield x set u8 0 foo}
        assert_error {ERR Invalid OVERFLOW type specified} {r bitfield x overflow foo}
        assert_error {ERR syntax error} {r bitfield x foo}
        assert_error {ERR syntax error} {r bitfield x get u8}
        r del lst
        r rpush lst a
        assert_error {WRONGTYPE*} {r bitfield lst get u8 0}
        assert_error {WRONGTYPE*} {r bitfield lst}
    }

    test {BITFIELD_RO only allows GET} {
        r set ro "\x7f"
        assert_equal [r bitfield_ro ro get i8 0 get u4 4] {127 15}
        assert_equal [r bitfield_ro ro overflow sat get u8 0] {127}
        assert_error {ERR BITFIELD_RO only supports the GET subcommand} {r bitfield_ro ro set u8 0 1}
        assert_error {ERR BITFIELD_RO only supports the GET subcommand} {r bitfield_ro ro incrby u8 0 1}
    }

    test {BITFIELD unsigned fields agree with a model} {
        r del bfmodel
        set model {}
        for {set i 0} {$i < 300} {incr i} {
            set bits [expr {1 + [randomInt 20]}]
            set off [randomInt 100]
            set val [randomInt [expr {1 << $bits}]]
            while {[llength $model] < $off + $bits} {lappend model 0}
            while {[llength $model] % 8} {lappend model 0}
            set old 0
            foreach b [lrange $model $off [expr {$off + $bits - 1}]] { set old [expr {$old * 2 + $b}] }
            assert_equal [r bitfield bfmodel set u$bits $off $val] $old
            for {set j 0} {$j < $bits} {incr j} {
                lset model [expr {$off + $j}] [expr {($val >> ($bits - 1 - $j)) & 1}]
            }
        }
        assert_equal [string_bits [r get bfmodel]] $model
    }

    test {proto-max-bulk-len limits bit offsets} {
        r config set proto-max-bulk-len 1048576
        catch {r setbit lim 8388608 1} err
        set ok [r setbit lim 8388607 1]
        r config set proto-max-bulk-len 536870912
        assert_match {*bit offset is not an integer or out of range*} $err
        assert_equal $ok 0
        assert_equal [r strlen lim] 1048576
    }

    # Randomized differential check: the same commands against stock.
    start_server {tags {bitops differential} binary /usr/bin/redis-server} {
        test {Random bitmap commands reply byte-identically to stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            set mismatches {}
            foreach fd [list $ours $stock] { diff_send $fd {flushall} }
            for {set i 0} {$i < 300} {incr i} {
                set cmds [list \
                    [list set b [randstring 0 16]] \
                    [list set b2 [randstring 0 16]] \
                    [list bitcount b [rnd_idx] [rnd_idx] [lindex {BYTE BIT} [randomInt 2]]] \
                    [list bitcount b [rnd_idx] [rnd_idx]] \
                    [list bitpos b [randomInt 2]] \
                    [list bitpos b [randomInt 2] [rnd_idx]] \
                    [list bitpos b [randomInt 2] [rnd_idx] [rnd_idx] [lindex {BYTE BIT} [randomInt 2]]] \
                    [list setbit b [randomInt 200] [randomInt 2]] \
                    [list getbit b [randomInt 200]] \
                    [list bitop [lindex {AND OR XOR} [randomInt 3]] d b b2 missing] \
                    [list get d] \
                    [concat bitfield b [rnd_bitfield_ops]] \
                    [list get b] \
                    [concat bitfield_ro b2 [rnd_bitfield_ops]] \
                ]
                foreach cmd $cmds {
                    set r1 [diff_send $ours $cmd]
                    set r2 [diff_send $stock $cmd]
                    if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                }
            }
            close $ours
            close $stock
            assert_equal {} [lrange $mismatches 0 4]
        }
    }
}
