# Differential test: every corpus in tests/diff/ is sent to our server and to
# a stock redis-server 7.0.15 started side by side; replies must be
# byte-identical, errors included. Each corpus starts from empty databases.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

start_server [list tags {differential} binary $stock_binary] {
    start_server {tags {differential}} {
        foreach file [lsort [glob -nocomplain [file join $::tests_root diff *.txt]]] {
            # A fresh pair of connections per corpus: one corpus closing its
            # connection (or crashing a server) cannot cascade into others.
            set ours [diff_connect [srv 0 host] [srv 0 port]]
            set stock [diff_connect [srv -1 host] [srv -1 port]]
            test "differential: [file tail $file]" {
                set missing [diff_missing_commands $ours [diff_corpus_needs $file]]
                if {[llength $missing]} {skip "our server lacks: $missing"}
                set want [diff_corpus_allocator $file]
                if {$want ne {} && [diff_allocator $ours] ne $want} {skip "needs the $want allocator"}
                diff_send $ours {flushall}
                diff_send $stock {flushall}
                diff_send $ours {select 0}
                diff_send $stock {select 0}
                set mismatches [diff_run_corpus $file $ours $stock]
                if {[llength $mismatches]} {
                    fail [diff_format_mismatches $file $mismatches]
                }
            }
            catch {close $ours}
            catch {close $stock}
        }
    }
}
