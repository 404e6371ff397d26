# LOLWUT VERSION 5 and 6 against stock 7.0.15. The pictures are random, so
# the parts that are not are compared: whole replies where stock draws no
# random shape (version 5 leaves its first two rows of squares straight),
# otherwise the canvas size, the characters used and the footer.

proc lolwut_shape {art} {
    # Lines and the character count of each line (the last two are text).
    set shape {}
    foreach line [split [string trimright $art "\n"] "\n"] {
        lappend shape [string length $line]
    }
    return $shape
}

start_server [list tags {lolwut} binary /usr/bin/redis-server] {
    start_server {tags {lolwut}} {
        test {LOLWUT VERSION 5 without random rows is byte-identical to stock} {
            foreach args {{1 1 1} {2 1 1} {3 1 1} {5 1 1} {40 10 1} {40 10 2}
                          {66 8 2} {1000 200 1} {1000 150 2} {7 3 2} {-5 0 0}
                          {2000 300 1} {1 1 1 extra}} {
                assert_equal [r -1 lolwut version 5 {*}$args] [r lolwut version 5 {*}$args]
            }
        }

        test {LOLWUT VERSION 5 random plots have stock's size and footer} {
            foreach args {{} {10 2} {66 8 12} {1000 300 200} {1000 200 200} {30 1 250}} {
                set ours [r lolwut version 5 {*}$args]
                set stock [r -1 lolwut version 5 {*}$args]
                assert_equal [lolwut_shape $stock] [lolwut_shape $ours]
                assert_equal [lindex [split $stock "\n"] end-1] [lindex [split $ours "\n"] end-1]
                # Braille characters only (U+2800..U+28FF) above the footer.
                set body [encoding convertfrom utf-8 [join [lrange [split $ours "\n"] 0 end-3] ""]]
                assert {[regexp {^[\u2800-\u28ff]*$} $body]}
            }
        }

        test {LOLWUT VERSION 6 has stock's canvas size, palette and footer} {
            foreach {args cols rows} {{} 80 20 {3} 3 20 {7 3 3} 7 3 {0 0} 1 1 {-1 -1} 1 1 {2000 1500} 1000 1000} {
                set ours [r lolwut version 6 {*}$args]
                set stock [r -1 lolwut version 6 {*}$args]
                set lines [split [string trimright $ours "\n"] "\n"]
                assert_equal [expr {$rows + 2}] [llength $lines]
                assert_equal [lrange [split $stock "\n"] end-2 end] [lrange [split $ours "\n"] end-2 end]
                set pixel "\033\\\[0;(30;40|90;100|37;47|97;107)m \033\\\[0m"
                foreach line [lrange $lines 0 end-2] {
                    assert_equal $cols [regexp -all $pixel $line]
                    assert_equal {} [regsub -all $pixel $line {}]
                }
                # The top row is sky, as in stock's picture.
                assert_equal $cols [regexp -all "\033\\\[0;97;107m" [lindex $lines 0]]
            }
        }

        test {LOLWUT argument errors match stock} {
            foreach args {{version 5 abc} {version 5 1 x} {version 6 x} {version abc}
                          {version 5 version 6}} {
                catch {r -1 lolwut {*}$args} stock
                catch {r lolwut {*}$args} ours
                assert_equal $stock $ours
            }
            # VERSION counts only as the first argument.
            assert_equal [r -1 lolwut 10 version 5] [r lolwut 10 version 5]
        }

        test {LOLWUT VERSION 5 and 6 in RESP3 are verbatim txt strings, as in stock} {
            foreach level {0 -1} {
                set c [redis [srv $level host] [srv $level port]]
                $c hello 3
                lappend replies [$c lolwut version 5 1 1 1] [$c lolwut version 6 1 1]
                $c close
            }
            assert_equal [lrange $replies 2 3] [lrange $replies 0 1]
        }
    }
}
