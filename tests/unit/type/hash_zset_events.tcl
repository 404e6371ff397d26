# Keyspace notifications of the hash, sorted set and GEO commands: the
# events (and their order) of a command sequence must be those of stock
# redis-server 7.0.15. Needs Pub/Sub (skipped while it is not built in).
start_server {tags {hash zset pubsub}} {
    start_server {tags {differential} binary /usr/bin/redis-server} {
        proc collect_events {level cmds} {
            set sub [redis_deferring_client $level]
            $sub psubscribe *
            $sub read
            set cli [redis_client $level]
            $cli flushall
            $cli config set notify-keyspace-events KEAmn
            foreach cmd $cmds { catch {$cli {*}$cmd} }
            $cli publish marker end
            set events {}
            while 1 {
                set m [$sub read]
                if {[lindex $m 2] eq "marker"} break
                lappend events [lrange $m 2 3]
            }
            $cli config set notify-keyspace-events ""
            $cli flushall
            $sub close
            $cli close
            return $events
        }

        test {Hash, sorted set and GEO keyspace events match stock, in order} {
            if {[r -1 command info psubscribe] eq {{}}} {skip "our server lacks Pub/Sub"}
            set cmds {
                {hset h a 1 b 2} {hset h a 1} {hsetnx h a 1} {hsetnx h c 3} {hmset h d 4}
                {hdel h a nosuch} {hincrby h n 1} {hincrbyfloat h f 1.5} {hget h a} {hget nokey a}
                {hdel h b c d n f} {hdel nokey a} {hincrby h x y}
                {zadd z 1 a 2 b} {zadd z 1 a} {zadd z xx 3 a} {zadd z incr 1 a} {zincrby z 1 b}
                {zadd z nx 1 a} {zrem z a nosuch} {zrem z b} {zadd z 1 a 2 b 3 c 4 d 5 e}
                {zremrangebyrank z 0 0} {zremrangebyscore z 2 2} {zremrangebylex z - +}
                {zadd z 1 a 2 b 3 c} {zpopmin z} {zpopmax z 5} {zadd z 1 a 2 b}
                {zmpop 1 z min count 1} {zmpop 1 z max} {zadd z 1 a 2 b}
                {zrangestore d z 0 -1} {zrangestore d z 5 6} {zrangestore d z 0 0}
                {zunionstore u 2 z d} {zinterstore i 2 z d} {zdiffstore df 2 z d} {zdiffstore df 2 z z}
                {zscore nokey a} {zrange nokey 0 1}
                {geoadd g 1 1 a 2 2 b} {geoadd g xx 1 1 a} {georadius g 1 1 500 km store gs}
                {georadius g 1 1 500 km storedist gs} {geosearchstore gs2 g fromlonlat 1 1 byradius 500 km}
                {georadius g 50 50 1 km store gs} {geosearchstore gs2 g fromlonlat 50 50 byradius 1 km}
                {georadius nokey 50 50 1 km store gs} {copy z zc} {del zc h}
            }
            set ours [collect_events -1 $cmds]
            set stock [collect_events 0 $cmds]
            assert_morethan [llength $stock] 100
            assert_equal $stock $ours
        }
    }
}
