# MIGRATE between our server and stock 7.0.15 in both directions: single
# key, KEYS, COPY, REPLACE, AUTH/AUTH2, TTLs, and the error replies.

start_server {tags {migrate}} {
    start_server {tags {migrate} binary /usr/bin/redis-server} {
        set stock_host [srv 0 host]
        set stock_port [srv 0 port]
        set our_port [srv -1 port]

        test {MIGRATE a key from ours to stock: moved with its TTL} {
            r -1 set k hello px 100000
            assert_equal OK [r -1 migrate $stock_host $stock_port k 0 5000]
            assert_equal 0 [r -1 exists k]
            assert_equal hello [r get k]
            assert_range [r pttl k] 90000 100000
        }

        test {MIGRATE COPY keeps the source, REPLACE overwrites, BUSYKEY otherwise} {
            r -1 set k2 [string repeat "long compressible value " 20]
            assert_equal OK [r -1 migrate $stock_host $stock_port k2 3 5000 copy]
            assert_equal 1 [r -1 exists k2]
            r select 3
            assert_equal [r -1 get k2] [r get k2]
            catch {r -1 migrate $stock_host $stock_port k2 3 5000 copy} e
            assert_equal {ERR Target instance replied with error: BUSYKEY Target key name already exists.} $e
            r -1 set k2 new
            assert_equal OK [r -1 migrate $stock_host $stock_port k2 3 5000 replace]
            assert_equal new [r get k2]
            r select 0
        }

        test {MIGRATE KEYS moves several, skips missing ones; NOKEY when none exist} {
            r -1 mset a 1 b 2 c 3
            assert_equal OK [r -1 migrate $stock_host $stock_port "" 0 5000 keys a b nosuch c]
            assert_equal {1 2 3} [r mget a b c]
            assert_equal 0 [r -1 exists a b c]
            assert_equal NOKEY [r -1 migrate $stock_host $stock_port "" 0 5000 keys x y]
            assert_equal NOKEY [r -1 migrate $stock_host $stock_port nosuch 0 5000]
        }

        test {MIGRATE from stock to ours} {
            r set fromstock 12345
            assert_equal OK [r migrate 127.0.0.1 $our_port fromstock 0 5000]
            assert_equal 12345 [r -1 get fromstock]
            assert_equal int [r -1 object encoding fromstock]
        }

        test {MIGRATE argument errors match stock} {
            r -1 set e 1
            r set e 1
            foreach args {
                {somekey 0 1000 keys a}
                {e 0 1000 bogus}
                {e 0 1000 auth}
                {e 0 1000 auth2 user}
                {e notanumber 1000}
                {e 0 notanumber}
            } {
                catch {r migrate 127.0.0.1 1 {*}$args} stock
                catch {r -1 migrate 127.0.0.1 1 {*}$args} ours
                assert_equal $stock $ours $args
            }
        }

        test {MIGRATE to a closed port: IOERR} {
            r -1 set e 1
            catch {r -1 migrate 127.0.0.1 1 e 0 500} e
            assert_equal {IOERR error or timeout connecting to the client} $e
            assert_equal 1 [r -1 exists e]
        }

        test {MIGRATE with AUTH and AUTH2 to a password protected target} {
            r config set requirepass secret
            r -1 mset p0 v0 p1 v1 p2 v2
            # A failed AUTH is an error and the key stays here.
            catch {r -1 migrate $stock_host $stock_port p0 0 5000 auth wrong} e
            assert_match {ERR Target instance replied with error: WRONGPASS*} $e
            assert_equal 1 [r -1 exists p0]
            assert_equal OK [r -1 migrate $stock_host $stock_port p1 0 5000 auth secret]
            assert_equal OK [r -1 migrate $stock_host $stock_port p2 0 5000 auth2 default secret]
            r auth secret
            assert_equal {v1 v2} [r mget p1 p2]
            r config set requirepass ""
        }
    }
}
