# Shard channels (SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH, src/pubsub.c) on a
# standalone server: their own namespace next to classic channels.

start_server {tags {pubsubshard}} {
    test {SPUBLISH reaches SSUBSCRIBE-rs, not SUBSCRIBE-rs or patterns} {
        set s [redis_deferring_client]
        set c [redis_deferring_client]
        $s ssubscribe x
        assert_equal [$s read] {ssubscribe x 1}
        $c subscribe x
        assert_equal [$c read] {subscribe x 1}
        $c psubscribe *
        assert_equal [$c read] {psubscribe * 2}
        assert_equal [r spublish x one] 1
        assert_equal [$s read] {smessage x one}
        assert_equal [r publish x two] 2
        assert_equal [$c read] {message x two}
        assert_equal [$c read] {pmessage * x two}
        $s close
        $c close
    }

    test {Shard and classic counts are separate} {
        set s [redis_deferring_client]
        $s ssubscribe a b
        $s read ; $s read
        $s subscribe c
        assert_equal [$s read] {subscribe c 1}
        $s sunsubscribe a
        assert_equal [$s read] {sunsubscribe a 1}
        $s unsubscribe c
        # Still in subscribed mode: one shard channel is left.
        assert_equal [$s read] {unsubscribe c 0}
        $s get x
        assert_match {*only (P|S)SUBSCRIBE*} [catch {$s read} e; set e]
        $s sunsubscribe
        assert_equal [$s read] {sunsubscribe b 0}
        $s get x
        assert_equal [$s read] {}
        $s close
    }

    test {RESP3 smessage push and a closed client leaves its shard channels} {
        set s [redis_deferring_client]
        $s hello 3
        $s read
        $s ssubscribe z
        assert_equal [$s read] {ssubscribe z 1}
        assert_equal [r spublish z m] 1
        assert_equal [$s read] {smessage z m}
        assert_equal [r pubsub shardnumsub z] {z 1}
        $s close
        wait_for_condition 50 20 {[r pubsub shardnumsub z] eq {z 0}} else {
            fail "closed client still subscribed"
        }
        assert_equal [r pubsub shardchannels] {}
    }
}
