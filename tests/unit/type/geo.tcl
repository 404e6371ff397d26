# GEO commands (src/geo.c, geohash.c): randomized differential checks
# against stock redis-server 7.0.15. Unsorted search replies follow the
# order in which the covering cells are visited, so comparing them checks
# the cell choice too. Static comparisons live in tests/diff/geo.txt.
source [file join $::tests_root support diff.tcl]

start_server {tags {geo}} {
    test {GEOADD stores positions as sorted set scores} {
        r del g
        r geoadd g 13.361389 38.115556 Palermo
        assert_encoding listpack g
        assert_equal [r zscore g Palermo] 3479099956230698
        assert_equal [r type g] zset
    }

    start_server {tags {geo differential} binary /usr/bin/redis-server} {
        test {Random GEO searches reply as stock} {
            set ours [diff_connect [srv -1 host] [srv -1 port]]
            set stock [diff_connect [srv 0 host] [srv 0 port]]
            foreach fd [list $ours $stock] { diff_send $fd {flushall} }
            set mismatches {}
            # A cluster of points around a random center, some far away.
            expr {srand(7)}
            for {set round 0} {$round < 12} {incr round} {
                set clon [expr {rand() * 340 - 170}]
                set clat [expr {rand() * 160 - 80}]
                set args {}
                for {set i 0} {$i < 60} {incr i} {
                    set lon [expr {$clon + (rand() - 0.5) * ($i < 50 ? 2 : 40)}]
                    set lat [expr {$clat + (rand() - 0.5) * ($i < 50 ? 2 : 20)}]
                    if {$lon > 180 || $lon < -180 || $lat > 85 || $lat < -85} continue
                    lappend args $lon $lat m$i
                }
                # Odd rounds use skiplist encoded sets.
                set entries [expr {$round % 2 ? 0 : 128}]
                set cmds [list [list config set zset-max-listpack-entries $entries] \
                              [list geoadd g$round {*}$args]]
                foreach r {1 10 50 100 300 1000 5000} {
                    lappend cmds [list georadius g$round $clon $clat $r km] \
                        [list georadius g$round $clon $clat $r km withdist withhash withcoord asc] \
                        [list geosearch g$round fromlonlat $clon $clat bybox $r [expr {$r * 2}] km] \
                        [list geosearch g$round frommember m3 byradius $r km count 5 withdist] \
                        [list geosearch g$round frommember m7 bybox $r $r mi desc count 3] \
                        [list geosearchstore dst g$round fromlonlat $clon $clat byradius $r km storedist] \
                        [list zrange dst 0 -1 withscores]
                }
                lappend cmds [list geohash g$round m1 m2 m3] [list geopos g$round m4 m5] \
                    [list geodist g$round m1 m2 km]
                foreach cmd $cmds {
                    set r1 [diff_send $ours $cmd]
                    set r2 [diff_send $stock $cmd]
                    if {$r1 ne $r2} { lappend mismatches [list $cmd $r1 $r2] }
                }
            }
            foreach fd [list $ours $stock] {
                diff_send $fd {config set zset-max-listpack-entries 128}
            }
            close $ours
            close $stock
            assert_equal {} [lrange $mismatches 0 2]
        }
    }
}
