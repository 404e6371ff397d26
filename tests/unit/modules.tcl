# MODULE with enable-module-command yes, against stock 7.0.15: this server
# has no module API, so LOAD/LOADEX fail as a module that cannot be loaded
# fails on stock (same replies, the reason logged), LIST is empty, UNLOAD
# finds nothing. The default (no) is in tests/diff/module_lolwut.txt.
source [file join $::tests_root support diff.tcl]

set stock_binary /usr/bin/redis-server

start_server [list tags {differential} binary $stock_binary overrides {enable-module-command yes}] {
    start_server {tags {differential} overrides {enable-module-command yes}} {
        test {MODULE LOAD/LOADEX/UNLOAD/LIST with enable-module-command yes: as stock} {
            set cmds {
                {module list}
                {module load /nonexistent/m.so}
                {module load /nonexistent/m.so arg1 arg2}
                {module loadex /nonexistent/m.so CONFIG a b ARGS x}
                {module loadex /nonexistent/m.so bogus}
                {module unload nosuchmodule}
            }
            foreach level {0 -1} {
                set fd [diff_connect [srv $level host] [srv $level port]]
                set out($level) [lmap cmd $cmds {diff_send $fd $cmd}]
                close $fd
            }
            assert_equal $out(-1) $out(0)
            verify_log_message 0 "*Module /nonexistent/m.so failed to load: /nonexistent/m.so: cannot open shared object file*" 0
            verify_log_message 0 "*Syntax Error from arguments to loadex around bogus.*" 0
        }
    }
}
