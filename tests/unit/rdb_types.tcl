# RDB serialization of lists, sets, hashes and sorted sets (src/rdb_types.c):
# every encoding survives DEBUG RELOAD and DUMP/RESTORE; legacy encodings
# (ziplist, zipmap, linked list, text scores), built here byte by byte, load
# as stock 7.0.15 loads them (same digest, encoding and replies); thresholds
# convert as stock; duplicates and empty values are handled as stock; and
# corrupt payloads never crash the server (sanitize-dump-payload yes and no).

source [file join $::tests_root helpers rdb_payloads.tcl]

# Keys of every type, each in its small and its big encoding.
proc fill_typed_dataset {} {
    r flushall
    r sadd set_is 1 2 3 -5 100000 9223372036854775807
    r sadd set_ht a b c 1
    r hset hash_lp f1 v1 f2 2 f3 [string repeat x 40]
    r rpush list_small a b c 1 2 3 -7 [string repeat y 30]
    r zadd zset_lp 1 a 2 b 3.5 c -inf d +inf e
    for {set i 0} {$i < 700} {incr i} {
        r sadd set_bigis $i
        r sadd set_bight m$i
        r hset hash_ht f$i v$i
        r zadd zset_sl [expr {$i * 1.5}] m$i
        r rpush list_big "element-number-$i-[string repeat z [expr {$i % 50}]]"
    }
    r hset hash_longval f [string repeat v 100]
    r zadd zset_longval 1 [string repeat m 100]
}

set typed_keys {set_is set_ht hash_lp list_small zset_lp set_bigis set_bight
    hash_ht zset_sl list_big hash_longval zset_longval}

proc digests {keys {level 0}} {
    set out {}
    foreach k $keys {
        lappend out $k [r $level object encoding $k] [r $level debug digest-value $k]
    }
    return $out
}

start_server {tags {rdb}} {
    test {Every type and encoding survives DEBUG RELOAD} {
        fill_typed_dataset
        set before [digests $typed_keys]
        set full [r debug digest]
        r debug reload
        assert_equal $before [digests $typed_keys]
        assert_equal $full [r debug digest]
    }

    test {Every type and encoding survives SAVE and a restart} {
        fill_typed_dataset
        set before [digests $typed_keys]
        r save
        restart_server
        assert_equal $before [digests $typed_keys]
    }

    test {Compressed list nodes survive DEBUG RELOAD (list-compress-depth 1 and 3)} {
        foreach depth {1 3} {
            r flushall
            r config set list-compress-depth $depth
            for {set i 0} {$i < 2000} {incr i} {r rpush cl "compressible-[string repeat a 40]-$i"}
            set d [r debug digest-value cl]
            r debug reload
            assert_equal $d [r debug digest-value cl]
            assert_equal 2000 [r llen cl]
            assert_equal "compressible-[string repeat a 40]-1000" [r lindex cl 1000]
        }
        r config set list-compress-depth 0
    }

    test {Plain list nodes (DEBUG QUICKLIST-PACKED-THRESHOLD) survive DEBUG RELOAD and DUMP} {
        r flushall
        r debug quicklist-packed-threshold 100
        r rpush pl a [string repeat P 500] b [string repeat Q 300]
        set d [r debug digest-value pl]
        r debug reload
        assert_equal $d [r debug digest-value pl]
        set dump [r dump pl]
        r restore pl2 0 $dump
        assert_equal $d [r debug digest-value pl2]
        r debug quicklist-packed-threshold 1073741824
        assert_equal [list a [string repeat P 500] b [string repeat Q 300]] [r lrange pl2 0 -1]
    }

    test {DUMP / RESTORE round trip for every type and encoding} {
        fill_typed_dataset
        foreach k $typed_keys {
            set dump [r dump $k]
            r restore $k:copy 0 $dump
            assert_equal [r debug digest-value $k] [r debug digest-value $k:copy]
            assert_equal [r object encoding $k] [r object encoding $k:copy]
        }
    }

    test {Loading converts by the current *-max-* thresholds} {
        r flushall
        r hset h a 1 b 2 c 3
        r zadd z 1 a 2 b 3 c
        r sadd s 1 2 3
        r config set hash-max-listpack-entries 2
        r config set zset-max-listpack-entries 2
        r config set set-max-intset-entries 2
        r debug reload
        assert_encoding hashtable h
        assert_encoding skiplist z
        assert_encoding hashtable s
        r config set hash-max-listpack-entries 512
        r config set zset-max-listpack-entries 128
        r config set set-max-intset-entries 512
        r debug reload
        assert_encoding listpack h
        assert_encoding listpack z
        assert_encoding intset s
        assert_equal {1 2 3} [list [r hget h a] [r hget h b] [r hget h c]]
    }

    test {RESTORE of an empty collection is Bad data format} {
        r debug set-skip-checksum-validation 1
        foreach {type body} [list 2 [rdb_len 0] 4 [rdb_len 0] 5 [rdb_len 0] 1 [rdb_len 0] \
                                 18 [rdb_len 0] 16 [rdb_str [lp_build {}]] \
                                 13 [rdb_str [zl_build {}]] 11 [rdb_str [binary format iii 2 0 0]]] {
            assert_error {*Bad data format*} {r restore empty 0 [dump_payload $type $body]}
        }
        r debug set-skip-checksum-validation 0
    }

    test {Duplicates in RDB collections are refused} {
        r debug set-skip-checksum-validation 1
        set s [dump_payload 2 "[rdb_len 2][rdb_str a][rdb_str a]"]
        assert_error {*Bad data format*} {r restore d 0 $s}
        set h [dump_payload 4 "[rdb_len 2][rdb_str f][rdb_str 1][rdb_str f][rdb_str 2]"]
        assert_error {*Bad data format*} {r restore d 0 $h}
        set z [dump_payload 5 "[rdb_len 2][rdb_str m][binary format q 1.0][rdb_str m][binary format q 2.0]"]
        assert_error {*Bad data format*} {r restore d 0 $z}
        set zl [dump_payload 13 [rdb_str [zl_build {f 1 f 2}]]]
        assert_error {*Bad data format*} {r restore d 0 $zl}
        set zm [dump_payload 9 [rdb_str [zm_build {f 1 f 2}]]]
        assert_error {*Bad data format*} {r restore d 0 $zm}
        # A listpack hash with a repeated field: refused when sanitizing,
        # kept as stock keeps it otherwise (but never converted blindly).
        set lp [dump_payload 16 [rdb_str [lp_build {f 1 f 2}]]]
        r config set sanitize-dump-payload yes
        assert_error {*Bad data format*} {r restore d 0 $lp}
        r config set sanitize-dump-payload no
        r restore d 0 $lp
        assert_equal 2 [r hlen d]
        r del d
        r config set hash-max-listpack-entries 1
        assert_error {*Bad data format*} {r restore d 0 $lp}
        r config set hash-max-listpack-entries 512
        r debug set-skip-checksum-validation 0
    }

    test {sanitize-dump-payload yes counts sanitizations} {
        r config set sanitize-dump-payload yes
        r config resetstat
        r flushall
        r hset h a 1
        r restore h2 0 [r dump h]
        r config set sanitize-dump-payload no
        assert_match {*dump_payload_sanitizations:1*} [r info stats]
    }
}

# Legacy encodings, built byte by byte, restored on ours and on stock.
set legacy_payloads [list \
    hash_zipmap [dump_payload 9 [rdb_str [zm_build {name redis version 2.4 n 12345}]]] \
    hash_zipmap_big [dump_payload 9 [rdb_str [zm_build [list f [string repeat v 300] g 1]]]] \
    hash_ziplist [dump_payload 13 [rdb_str [zl_build {a 1 b -200 c 70000 d 5000000000 e hello}]]] \
    zset_ziplist [dump_payload 12 [rdb_str [zl_build {a 1 b 2.5 c -3 d inf}]]] \
    list_ziplist [dump_payload 10 [rdb_str [zl_build {x 1 2 -129 40000 [string repeat L 300] 9000000 12}]]] \
    list_quicklist [dump_payload 14 "[rdb_len 2][rdb_str [zl_build {a b c}]][rdb_str [zl_build {1 2 3 [string repeat q 70]}]]"] \
    list_linked [dump_payload 1 "[rdb_len 3][rdb_str one][rdb_str 2][rdb_str three]"] \
    zset_text [dump_payload 3 "[rdb_len 3][rdb_str a][rdb_dbl_text 1.5][rdb_str b][rdb_dbl_text inf][rdb_str c][rdb_dbl_text -2]"] \
    set_plain [dump_payload 2 "[rdb_len 3][rdb_str 1][rdb_str 2][rdb_str 30]"] \
    set_intset16 [dump_payload 11 [rdb_str [binary format iisss 2 3 -1 5 300]]] \
    set_intset64 [dump_payload 11 [rdb_str [binary format iiww 8 2 -5 9000000000]]] \
]

proc replies_of {key {level 0}} {
    switch [r $level type $key] {
        list {r $level lrange $key 0 -1}
        set {lsort [r $level smembers $key]}
        zset {r $level zrange $key 0 -1 withscores}
        hash {lsort [r $level hgetall $key]}
        default {r $level type $key}
    }
}

start_server {tags {rdb}} {
    start_server {binary /usr/bin/redis-server} {
        foreach {name payload} $legacy_payloads {
            test "Legacy encoding $name loads as stock loads it" {
                foreach level {0 -1} {
                    r $level debug set-skip-checksum-validation 1
                    r $level del $name
                    r $level restore $name 0 $payload
                }
                assert_equal [r -1 object encoding $name] [r object encoding $name]
                assert_equal [r -1 debug digest-value $name] [r debug digest-value $name]
                assert_equal [replies_of $name -1] [replies_of $name]
                # and saved back as stock saves it (hashtables iterate in
                # a per-process random order: no byte comparison there)
                if {[r object encoding $name] ne {hashtable}} {
                    assert_equal [r -1 dump $name] [r dump $name]
                }
            }
        }

        test {A version 9 RDB file of legacy encodings loads as on stock} {
            # The payloads' bodies (type byte + value) become the file's keys.
            set file "REDIS0009[binary format cc 254 0]"
            foreach {name payload} $legacy_payloads {
                append file [string index $payload 0] [rdb_str file:$name]
                append file [string range $payload 1 end-10]
            }
            append file [binary format c 255] [binary format w 0]
            foreach level {0 -1} {
                set dir [lindex [r $level config get dir] 1]
                set fd [open [file join $dir legacy.rdb] wb]
                puts -nonewline $fd $file
                close $fd
                r $level config set dbfilename legacy.rdb
                r $level flushall
                r $level debug reload nosave
            }
            foreach {name payload} $legacy_payloads {
                assert_equal [r -1 object encoding file:$name] [r object encoding file:$name] $name
                assert_equal [r -1 debug digest-value file:$name] [r debug digest-value file:$name] $name
                assert_equal [replies_of file:$name -1] [replies_of file:$name] $name
            }
            foreach level {0 -1} {
                r $level config set dbfilename dump.rdb
                foreach {name payload} $legacy_payloads {r $level restore $name 0 $payload}
            }
        }

        test {Empty keys in an RDB file are skipped as on stock} {
            set file "REDIS0010[binary format cc 254 0]"
            set n 0
            foreach {type body} [list 2 [rdb_len 0] 4 [rdb_len 0] 5 [rdb_len 0] 1 [rdb_len 0] \
                    18 [rdb_len 0] 16 [rdb_str [lp_build {}]] 17 [rdb_str [lp_build {}]] \
                    13 [rdb_str [zl_build {}]] 12 [rdb_str [zl_build {}]] 10 [rdb_str [zl_build {}]] \
                    18 "[rdb_len 1][rdb_len 2][rdb_str [lp_build {}]]" \
                    14 "[rdb_len 1][rdb_str [zl_build {}]]" 0 [rdb_str survivor]] {
                append file [binary format c $type] [rdb_str empty:[incr n]] $body
            }
            append file [binary format c 255] [binary format w 0]
            foreach level {0 -1} {
                set dir [lindex [r $level config get dir] 1]
                set fd [open [file join $dir empty.rdb] wb]
                puts -nonewline $fd $file
                close $fd
                r $level config set dbfilename empty.rdb
                r $level flushall
                r $level debug reload nosave
                r $level config set dbfilename dump.rdb
            }
            assert_equal [r -1 keys *] [r keys *]
            assert_equal {empty:13} [r keys *]
            foreach {name payload} $legacy_payloads {
                foreach level {0 -1} {r $level restore $name 0 $payload}
            }
        }

        test {An empty intset or zipmap in an RDB file is corruption, as on stock} {
            foreach {type body} [list 9 [rdb_str [zm_build {}]] 11 [rdb_str [binary format ii 2 0]]] {
                set file "REDIS0010[binary format cc 254 0][binary format c $type][rdb_str k]$body"
                append file [binary format c 255] [binary format w 0]
                foreach level {0 -1} {
                    set dir [lindex [r $level config get dir] 1]
                    set fd [open [file join $dir bad.rdb] wb]
                    puts -nonewline $fd $file
                    close $fd
                    r $level config set dbfilename bad.rdb
                    assert_error {*Error trying to load the RDB dump*} {r $level debug reload nosave}
                    r $level config set dbfilename dump.rdb
                }
            }
            foreach level {0 -1} {
                r $level flushall
                foreach {name payload} $legacy_payloads {r $level restore $name 0 $payload}
            }
        }

        test {Legacy encodings survive DEBUG RELOAD as on stock} {
            foreach level {0 -1} {r $level debug reload}
            foreach {name payload} $legacy_payloads {
                assert_equal [r -1 debug digest-value $name] [r debug digest-value $name]
            }
        }

        test {Legacy encodings over the thresholds convert as on stock} {
            foreach level {0 -1} {
                r $level config set hash-max-listpack-entries 1
                r $level config set zset-max-listpack-entries 1
                r $level config set set-max-intset-entries 1
                r $level config set list-max-listpack-size 2
            }
            foreach {name payload} $legacy_payloads {
                foreach level {0 -1} {
                    r $level del $name
                    r $level restore $name 0 $payload
                }
                assert_equal [r -1 object encoding $name] [r object encoding $name] $name
                assert_equal [r -1 debug digest-value $name] [r debug digest-value $name] $name
            }
            foreach level {0 -1} {
                r $level config set hash-max-listpack-entries 512
                r $level config set zset-max-listpack-entries 128
                r $level config set set-max-intset-entries 512
                r $level config set list-max-listpack-size -2
            }
        }
    }
}

# Corrupt payloads: byte flips and truncations of DUMPs of every type and
# encoding, RESTOREd with checksums off, then read back. The server must
# answer every time; a refused payload is "Bad data format".
start_server {tags {rdb fuzz}} {
    test {Corrupt DUMP payloads never crash RESTORE (sanitize yes and no)} {
        fill_typed_dataset
        r config set list-compress-depth 1
        for {set i 0} {$i < 300} {incr i} {r rpush list_lzf "abcabcabcabcabcabcabcabc-$i"}
        r config set list-compress-depth 0
        set keys [concat $typed_keys list_lzf]
        set dumps {}
        foreach k $keys {lappend dumps [r dump $k]}
        foreach {name payload} $legacy_payloads {lappend dumps $payload}
        r debug set-skip-checksum-validation 1
        expr {srand(4242)}
        set refused 0
        set accepted 0
        foreach mode {yes no} {
            r config set sanitize-dump-payload $mode
            for {set iter 0} {$iter < 1000} {incr iter} {
                set d [lindex $dumps [expr {int(rand() * [llength $dumps])}]]
                set d [corrupt_payload $d]
                if {[catch {r restore fz 0 $d replace} err]} {
                    assert_match {*Bad data format*} $err
                    incr refused
                    continue
                }
                incr accepted
                catch {replies_of fz}
                catch {r debug digest-value fz}
                catch {r object encoding fz}
                catch {r dump fz}
                catch {r lpop fz}
                catch {r hset fz newfield newvalue}
                catch {r zadd fz 12 newmember}
                catch {r sadd fz 12345}
                r del fz
            }
            assert_equal PONG [r ping]
        }
        r debug set-skip-checksum-validation 0
        assert_morethan $refused 100
    }
}
