# Second framework self-test file: checks parallel workers get separate
# port ranges and exercises multi-server helpers with a quick replication.

start_multiple_servers 2 {tags {framework} binary /usr/bin/redis-server overrides {repl-diskless-sync-delay 0}} {
    test {Servers of one file use distinct ports from the worker range} {
        set lo $::base_port
        set hi [expr {$::base_port + $::port_count - 1}]
        assert_range [srv 0 port] $lo $hi
        assert_range [srv -1 port] $lo $hi
        assert_not_equal [srv 0 port] [srv -1 port]
    }

    test {Replication between two test servers} {
        r -1 set k1 v1
        r replicaof [srv -1 host] [srv -1 port]
        wait_for_sync [srv 0 client]
        r -1 incr counter
        wait_for_ofs_sync [srv -1 client] [srv 0 client]
        assert_equal [r get k1] v1
        assert_equal [r get counter] 1
        assert_equal [s role] slave
        assert_equal [s -1 role] master
        r replicaof no one
    }
}

start_server {tags {framework} binary /usr/bin/redis-server} {
    test {Independent server after the first pair} {
        r ping
    } {PONG}
}
