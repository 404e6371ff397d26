# String commands (src/t_string.c): behaviour, encodings, TTL handling and
# a randomized differential check against stock redis-server 7.0.15.
# Static reply-by-reply comparisons live in tests/diff/string.txt.
source [file join $::tests_root support diff.tcl]

start_server {tags {string}} {
    test {SET and GET a simple value} {
        r set foo bar
        r get foo
    } {bar}

    test {SET and GET an empty and a binary value} {
        r set empty ""
        assert_equal [r get empty] {}
        set v "a\x00b\r\nc\xff"
        r set bin $v
        assert_equal [r get bin] $v
        assert_equal [r strlen bin] [string length $v]
    }

    test {GET of a missing key is null} {
        r get no-such-key
    } {}

    test {SET of a 1MB value round-trips} {
        set big [string repeat "abcdefghij" 100000]
        r set big $big
        assert_equal [r strlen big] 1000000
        assert_equal [r get big] $big
    }

    test {Values get the compact encodings} {
        r set enc-int 12345
        assert_encoding int enc-int
        r set enc-emb [string repeat x 44]
        assert_encoding embstr enc-emb
        r set enc-raw [string repeat x 45]
        assert_encoding raw enc-raw
        r set enc-notint "01"
        assert_encoding embstr enc-notint
    }

    test {SET NX and XX} {
        r set nxkey v1
        assert_equal [r set nxkey v2 NX] {}
        assert_equal [r get nxkey] v1
        assert_equal [r set nxkey v3 XX] OK
        assert_equal [r get nxkey] v3
        assert_equal [r set nx-missing v XX] {}
        assert_equal [r get nx-missing] {}
        assert_equal [r set nx-missing v NX] OK
    }

    test {SET GET returns the old value} {
        r set getkey old
        assert_equal [r set getkey new GET] old
        assert_equal [r get getkey] new
        assert_equal [r set getkey-missing v GET] {}
        assert_equal [r get getkey-missing] v
    }

    test {SET NX GET returns the existing value and does not set} {
        r set nxget a
        assert_equal [r set nxget b NX GET] a
        assert_equal [r get nxget] a
    }

    test {SET option conflicts are syntax errors} {
        assert_error {ERR syntax error} {r set k v NX XX}
        assert_error {ERR syntax error} {r set k v EX 10 PX 100}
        assert_error {ERR syntax error} {r set k v EX 10 KEEPTTL}
        assert_error {ERR syntax error} {r set k v KEEPTTL PXAT 10}
        assert_error {ERR syntax error} {r set k v EX}
        assert_error {ERR syntax error} {r set k v PERSIST}
        assert_error {ERR syntax error} {r set k v foo}
    }

    test {SET with invalid expire times} {
        assert_error {ERR invalid expire time in 'set' command} {r set k v EX 0}
        assert_error {ERR invalid expire time in 'set' command} {r set k v PX -1}
        assert_error {ERR invalid expire time in 'set' command} {r set k v PX 9223372036854775807}
        assert_error {ERR value is not an integer*} {r set k v EX 1.5}
        assert_error {ERR value is not an integer*} {r set k v EX abc}
    }

    test {SET EX/PX/EXAT/PXAT set the TTL} {
        r set ttl v EX 100
        assert_range [r ttl ttl] 90 100
        r set ttl v PX 100000
        assert_range [r ttl ttl] 90 100
        r set ttl v EXAT [expr {[clock seconds] + 100}]
        assert_range [r ttl ttl] 90 100
        r set ttl v PXAT [expr {[clock milliseconds] + 100000}]
        assert_range [r ttl ttl] 90 100
    }

    test {SET KEEPTTL keeps the TTL, plain SET drops it} {
        r set keep v EX 100
        r set keep v2 KEEPTTL
        assert_range [r ttl keep] 90 100
        assert_equal [r get keep] v2
        r set keep v3
        assert_equal [r ttl keep] -1
    }

    test {SET PX makes the key expire} {
        r set short v PX 50
        after 150
        r get short
    } {}

    test {SETNX, SETEX and PSETEX} {
        r del snx
        assert_equal [r setnx snx a] 1
        assert_equal [r setnx snx b] 0
        assert_equal [r get snx] a
        r setex sex 100 val
        assert_range [r ttl sex] 90 100
        r psetex psex 100000 val
        assert_range [r ttl psex] 90 100
        assert_error {ERR invalid expire time in 'setex' command} {r setex sex 0 val}
        assert_error {ERR invalid expire time in 'psetex' command} {r psetex sex -5 val}
        assert_error {ERR value is not an integer*} {r setex sex x val}
    }

    test {GETSET returns the old value and drops the TTL} {
        r set gs old EX 100
        assert_equal [r getset gs new] old
        assert_equal [r get gs] new
        assert_equal [r ttl gs] -1
        r del gs-missing
        assert_equal [r getset gs-missing v] {}
    }

    test {GETDEL returns and deletes} {
        r set gd v
        assert_equal [r getdel gd] v
        assert_equal [r exists gd] 0
        assert_equal [r getdel gd] {}
    }

    test {GETEX changes or removes the TTL} {
        r set gx v
        assert_equal [r getex gx EX 100] v
        assert_range [r ttl gx] 90 100
        assert_equal [r getex gx PERSIST] v
        assert_equal [r ttl gx] -1
        assert_equal [r getex gx PXAT [expr {[clock milliseconds] + 100000}]] v
        assert_range [r ttl gx] 90 100
        assert_equal [r getex gx] v
        assert_range [r ttl gx] 90 100
    }

    test {GETEX with a time in the past deletes the key} {
        r set gxpast v
        assert_equal [r getex gxpast EXAT 1] v
        assert_equal [r exists gxpast] 0
    }

    test {GETEX errors} {
        r set gxe v
        assert_error {ERR syntax error} {r getex gxe EX 10 PERSIST}
        assert_error {ERR syntax error} {r getex gxe KEEPTTL}
        assert_error {ERR invalid expire time in 'getex' command} {r getex gxe EX 0}
        # a missing key answers null before the expire value is checked
        assert_equal [r getex gxe-missing EX 0] {}
    }

    test {MSET, MGET and MSETNX} {
        r mset m1 a m2 b m3 c
        assert_equal [r mget m1 m2 m3 m-missing] {a b c {}}
        assert_equal [r msetnx m1 x m4 y] 0
        assert_equal [r exists m4] 0
        assert_equal [r msetnx m4 x m5 y] 1
        assert_equal [r mget m4 m5] {x y}
        assert_error {ERR wrong number of arguments for 'mset' command} {r mset a b c}
        assert_error {ERR wrong number of arguments for 'msetnx' command} {r msetnx a b c}
    }

    test {INCR, DECR, INCRBY, DECRBY} {
        r del ctr
        assert_equal [r incr ctr] 1
        assert_equal [r incrby ctr 10] 11
        assert_equal [r decr ctr] 10
        assert_equal [r decrby ctr 20] -10
        assert_encoding int ctr
    }

    test {INCR keeps the TTL and handles big and shared values} {
        r set ctr 100 EX 100
        r incr ctr
        assert_range [r ttl ctr] 90 100
        r set ctr 17179869184
        assert_equal [r incr ctr] 17179869185
        assert_encoding int ctr
        r set ctr 9999
        assert_equal [r incr ctr] 10000
        assert_equal [r incr ctr] 10001
    }

    test {INCR errors and overflow} {
        r set ctr 9223372036854775807
        assert_error {ERR increment or decrement would overflow} {r incr ctr}
        r set ctr -9223372036854775808
        assert_error {ERR increment or decrement would overflow} {r decr ctr}
        assert_error {ERR decrement would overflow} {r decrby ctr -9223372036854775808}
        r set ctr " 1"
        assert_error {ERR value is not an integer or out of range} {r incr ctr}
        r set ctr abc
        assert_error {ERR value is not an integer or out of range} {r incr ctr}
        assert_error {ERR value is not an integer or out of range} {r incrby ctr 1.5}
    }

    test {INCRBYFLOAT} {
        r set fl 10.5
        assert_equal [r incrbyfloat fl 0.1] 10.6
        assert_equal [r incrbyfloat fl -5] 5.6
        r set fl 5.0e3
        assert_equal [r incrbyfloat fl 2.0e2] 5200
        r del fl
        assert_equal [r incrbyfloat fl 3.0e3] 3000
        assert_encoding embstr fl
        assert_error {ERR value is not a valid float} {r incrbyfloat fl abc}
        assert_error {ERR increment would produce NaN or Infinity} {r incrbyfloat fl inf}
        r set fl abc
        assert_error {ERR value is not a valid float} {r incrbyfloat fl 1}
    }

    test {APPEND creates, extends and makes the value raw} {
        r del ap
        assert_equal [r append ap hello] 5
        assert_equal [r append ap " world"] 11
        assert_equal [r get ap] "hello world"
        assert_encoding raw ap
        r set api 123
        assert_equal [r append api 4] 4
        assert_equal [r get api] 1234
    }

    test {STRLEN} {
        assert_equal [r strlen strlen-missing] 0
        r set sl 12345
        assert_equal [r strlen sl] 5
        r set sl -10
        assert_equal [r strlen sl] 3
    }

    test {GETRANGE and SUBSTR} {
        r set gr "Hello World"
        assert_equal [r getrange gr 0 4] Hello
        assert_equal [r getrange gr -5 -1] World
        assert_equal [r getrange gr 5 3] {}
        assert_equal [r getrange gr 0 100] "Hello World"
        assert_equal [r getrange gr -1 -5] {}
        assert_equal [r substr gr 6 -1] World
        assert_equal [r getrange gr-missing 0 -1] {}
        r set gr 1234567
        assert_equal [r getrange gr 1 3] 234
    }

    test {SETRANGE} {
        r set sr "Hello World"
        assert_equal [r setrange sr 6 Redis] 11
        assert_equal [r get sr] "Hello Redis"
        r del sr
        assert_equal [r setrange sr 3 abc] 6
        assert_equal [r get sr] "\x00\x00\x00abc"
        r del sr
        assert_equal [r setrange sr 10 ""] 0
        assert_equal [r exists sr] 0
        assert_error {ERR offset is out of range} {r setrange sr -1 a}
        assert_error {ERR string exceeds maximum allowed size (proto-max-bulk-len)} {r setrange sr 536870912 a}
        r set sr 1234
        r setrange sr 1 x
        assert_equal [r get sr] 1x34
        assert_encoding raw sr
    }

    test {SETRANGE and GETRANGE agree with a model} {
        set model ""
        r del model
        for {set i 0} {$i < 300} {incr i} {
            set off [randomInt 60]
            set val [randstring 0 10 alpha]
            r setrange model $off $val
            if {$val ne ""} {
                while {[string length $model] < $off} {append model "\x00"}
                set model [string replace $model $off [expr {$off + [string length $val] - 1}] $val]
                if {[string length $model] < $off + [string length $val]} {
                    set model [string range $model 0 [expr {$off - 1}]]$val
                }
            }
            set s [expr {[randomInt 80] - 40}]
            set e [expr {[randomInt 80] - 40}]
            assert_equal [r get model] $model
            set len [string length $model]
            set rs [expr {$s < 0 ? max(0, $len + $s) : $s}]
            set re [expr {$e < 0 ? max(0, $len + $e) : min($e, $len - 1)}]
            if {($s < 0 && $e < 0 && $s > $e) || $rs > $re || $len == 0} {
                set expected ""
            } else {
                set expected [string range $model $rs $re]
            }
            assert_equal [r getrange model $s $e] $expected
        }
    }

    test {proto-max-bulk-len limits APPEND and SETRANGE} {
        r config set proto-max-bulk-len 1048576
        r del lim
        assert_equal [r setrange lim 1048575 a] 1048576
        assert_error {ERR string exceeds maximum allowed size*} {r append lim b}
        assert_error {ERR string exceeds maximum allowed size*} {r setrange lim 1048576 a}
        r config set proto-max-bulk-len 536870912
    }

    test {LCS} {
        r mset la ohmytext lb mynewtext
        assert_equal [r lcs la lb] mytext
        assert_equal [r lcs la lb LEN] 6
        assert_equal [r lcs la lb IDX] {matches {{{4 7} {5 8}} {{2 3} {0 1}}} len 6}
        assert_equal [r lcs la lb IDX MINMATCHLEN 4 WITHMATCHLEN] {matches {{{4 7} {5 8} 4}} len 6}
        assert_equal [r lcs la missing] {}
        assert_error {ERR If you want both the length and indexes*} {r lcs la lb LEN IDX}
        assert_error {ERR syntax error} {r lcs la lb foo}
    }

    test {LCS refuses tables above proto-max-bulk-len} {
        r config set proto-max-bulk-len 1048576
        r set lbig [string repeat a 600]
        catch {r lcs lbig lbig LEN} err
        r config set proto-max-bulk-len 536870912
        assert_match {*Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len*} $err
        assert_equal [r lcs lbig lbig LEN] 600
    }

    test {Wrong type errors} {
        needs_commands rpush
        r del lst
        r rpush lst a
        foreach cmd {
            {get lst} {getdel lst} {getex lst} {getset lst x} {set lst x GET}
            {incr lst} {incrbyfloat lst 1} {append lst x} {strlen lst}
            {getrange lst 0 1} {setrange lst 0 x}
        } {
            assert_error {WRONGTYPE*} [list r {*}$cmd]
        }
        assert_error {ERR The specified keys must contain string values} {r lcs lst la}
        assert_equal [r mget lst] {{}}
        # SET overwrites whatever type was there
        assert_equal [r set lst v] OK
        assert_equal [r get lst] v
    }

    # Randomized differential check: the same commands against stock.
    start_server {tags {string differential} binary /usr/bin/redis-server} {
        test {Random string commands reply byte-identically to stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            set mismatches {}
            foreach fd [list $ours $stock] { diff_send $fd {flushall} }
            for {set i 0} {$i < 400} {incr i} {
                set a [randstring 0 12 compr]
                set b [randstring 0 12 compr]
                set n [expr {[randomInt 2000000] - 1000000}]
                set cmds [list \
                    [list mset x $a y $b] \
                    [list lcs x y] \
                    [list lcs x y IDX WITHMATCHLEN MINMATCHLEN [randomInt 3]] \
                    [list getrange x [expr {[randomInt 30] - 15}] [expr {[randomInt 30] - 15}]] \
                    [list setrange y [randomInt 20] $a] \
                    [list get y] \
                    [list set f $n.[randomInt 1000]] \
                    [list incrbyfloat f [expr {[randomInt 20000] - 10000}].[randomInt 100]] \
                    [list set n $n] \
                    [list incrby n [expr {[randomInt 2000] - 1000}]] \
                    [list append n $a] \
                    [list strlen n] \
                    [list object encoding n] \
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
