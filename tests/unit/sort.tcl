# SORT / SORT_RO (sort.c). Replies and errors are compared with stock in
# tests/diff/sort.txt; here: ACL-restricted patterns, STORE side effects.
start_server {tags {sort}} {
    test {BY/GET patterns need unrestricted key access; BY nosort does not} {
        r acl setuser sortu on nopass ~k* +@all
        set rd [redis_client]
        $rd auth sortu x
        assert_error {*BY option of SORT denied due to insufficient ACL permissions.*} {$rd sort k by w_*}
        assert_error {*GET option of SORT denied due to insufficient ACL permissions.*} {$rd sort k get w_*}
        assert_equal {} [$rd sort k by nosort]
        $rd close
    }

    test {SORT STORE creates a list, fires sortstore, serves a blocked BLPOP} {
        r del src dst
        r rpush src 3 1 2
        set rd [redis_deferring_client]
        $rd blpop dst 0
        wait_for_condition 100 10 {[s blocked_clients] == 1} else {fail "not blocked"}
        assert_equal 3 [r sort src store dst]
        assert_equal {dst 1} [$rd read]
        assert_equal {2 3} [r lrange dst 0 -1]
        $rd close
    }

    test {Numeric SORT of many random values matches lsort -real} {
        r del big
        set vals {}
        for {set i 0} {$i < 500} {incr i} {
            set v [expr {int(rand()*100000) - 50000}]
            lappend vals $v
            r rpush big $v
        }
        assert_equal [lsort -integer $vals] [r sort big]
    }
}
