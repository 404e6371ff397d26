# CLUSTER commands, ASKING/READONLY/READWRITE and redirection errors on a
# lone cluster node, replayed against a stock 7.0.15 cluster node: replies
# must be byte-identical (tests/diff/cluster/*.txt).
source [file join $::tests_root support diff.tcl]
source [file join $::tests_root helpers cluster.tcl]

if {![file executable $::stock_server]} {
    puts "skipping: no $::stock_server"
    return
}

start_server [list tags {cluster differential} binary $::stock_server overrides {cluster-enabled yes}] {
    start_server {tags {cluster differential} overrides {cluster-enabled yes}} {
        foreach file [lsort [glob -nocomplain [file join $::tests_root diff cluster *.txt]]] {
            set ours [diff_connect [srv 0 host] [srv 0 port]]
            set stock [diff_connect [srv -1 host] [srv -1 port]]
            test "cluster differential: [file tail $file]" {
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
