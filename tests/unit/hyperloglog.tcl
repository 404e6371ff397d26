# HyperLogLog (src/hyperloglog.c): values must be interchangeable with
# stock, so the same PFADD/PFMERGE sequences are run on both servers and
# the stored strings compared byte for byte, through the sparse and dense
# encodings. Fixed replies are in tests/diff/hll.txt.

start_server {tags {hll}} {
    test {PFADD/PFCOUNT basics and the sparse to dense switch} {
        r del h
        assert_equal [r pfadd h a b c] 1
        assert_equal [r pfadd h a] 0
        assert_equal [r pfcount h] 3
        assert_equal [r pfdebug encoding h] sparse
        for {set i 0} {$i < 2000} {incr i} { lappend els "e$i" }
        r pfadd h {*}$els
        assert_equal [r pfdebug encoding h] dense
        assert_range [r pfcount h] 1950 2060
        assert_equal [string length [r get h]] 12304
    }

    test {A register above 32 forces the dense encoding} {
        r del h
        r pfadd h x
        assert_equal [r pfdebug encoding h] sparse
        r config set hll-sparse-max-bytes 0
        r pfadd h y
        assert_equal [r pfdebug encoding h] dense
        r config set hll-sparse-max-bytes 3000
    }

    test {PFCOUNT caches the estimate in the value; PFADD invalidates it} {
        r del h
        r pfadd h a b c
        set before [r get h]
        assert_equal [expr {[scan [string index $before 15] %c] & 0x80}] 128
        r pfcount h
        set after [r get h]
        assert_equal [expr {[scan [string index $after 15] %c] & 0x80}] 0
        assert_equal [scan [string index $after 8] %c] 3
        r pfadd h d
        assert_equal [expr {[scan [string index [r get h] 15] %c] & 0x80}] 128
    }

    test {PFMERGE of sparse and dense inputs} {
        r del a b d
        r pfadd a 1 2 3
        for {set i 0} {$i < 3000} {incr i} { lappend big "b$i" }
        r pfadd b {*}$big
        r pfmerge d a b
        assert_equal [r pfdebug encoding d] dense
        assert_range [r pfcount d] 2900 3100
        assert_equal [r pfcount d] [r pfcount a b]
    }

    test {PFSELFTEST} {
        r pfselftest
    } {OK}

    test {Corrupt sparse data is refused, never crashes} {
        r set bad "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"
        catch {r pfcount bad} e
        assert_match {INVALIDOBJ*} $e
        catch {r pfadd bad x} e
        assert_match {INVALIDOBJ*} $e
        # Random garbage after a valid header.
        for {set i 0} {$i < 200} {incr i} {
            set junk [randstring 1 40 binary]
            r set bad "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80$junk"
            catch {r pfcount bad}
            catch {r pfadd bad a b c d}
            catch {r pfmerge bad2 bad}
            catch {r pfdebug decode bad}
        }
        r ping
    } {PONG}

    start_server {tags {hll differential} binary /usr/bin/redis-server} {
        test {The same PFADD/PFMERGE sequence gives byte-identical values on stock} {
            set ours [redis_client -1]
            set stock [redis_client 0]
            foreach c [list $ours $stock] { $c flushall }
            set mismatches {}
            set n 0
            foreach batch {1 2 5 10 50 100 300 1000 3000 10000} {
                set els {}
                for {set i 0} {$i < $batch} {incr i} { lappend els [randstring 0 20 alpha][incr n] }
                foreach key {h1 h2} {
                    foreach c [list $ours $stock] { $c pfadd $key {*}$els }
                    if {[$ours get $key] ne [$stock get $key]} { lappend mismatches "$key after $n" }
                    if {[$ours pfcount $key] ne [$stock pfcount $key]} { lappend mismatches "count $key after $n" }
                    if {[$ours get $key] ne [$stock get $key]} { lappend mismatches "cached $key after $n" }
                    set els [lreverse $els]
                }
                foreach c [list $ours $stock] { $c pfmerge m h1 h2 }
                if {[$ours get m] ne [$stock get m]} { lappend mismatches "merge after $n" }
                if {[$ours pfcount h1 h2 nokey] ne [$stock pfcount h1 h2 nokey]} { lappend mismatches "union after $n" }
                # A sparse HLL merged into a fresh destination.
                foreach c [list $ours $stock] { $c del small; $c pfadd small {*}[lrange $els 0 20]; $c pfmerge fresh$n small }
                if {[$ours get fresh$n] ne [$stock get fresh$n]} { lappend mismatches "fresh merge after $n" }
            }
            # Values made by stock load and count here, and the other way.
            set v [$stock get h1]
            $ours set copy $v
            assert_equal [$ours pfcount copy] [$stock pfcount h1]
            assert_equal {} $mismatches
        }

        test {Sparse growth up to hll-sparse-max-bytes matches stock} {
            set ours [redis_client -1]
            set stock [redis_client 0]
            set mismatches {}
            foreach max {100 500 3000} {
                foreach c [list $ours $stock] { $c config set hll-sparse-max-bytes $max; $c del g }
                for {set i 0} {$i < 400} {incr i} {
                    set e "g$i-[randomInt 1000000]"
                    foreach c [list $ours $stock] { $c pfadd g $e }
                    if {[$ours get g] ne [$stock get g]} { lappend mismatches "max $max step $i"; break }
                }
            }
            foreach c [list $ours $stock] { $c config set hll-sparse-max-bytes 3000 }
            assert_equal {} $mismatches
        }
    }
}
