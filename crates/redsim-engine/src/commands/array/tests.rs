//! Arrays against redis.io's examples and the behaviour of Redis's `t_array.c` and
//! `sparsearray.c` (the expected replies are what that code answers).

use crate::testing::check;
use crate::Version;

const V: Version = Version::V8_8;

#[test]
fn redis_io_examples() {
    check(
        V,
        "@0 > ARSET myarray 0 \"hello\"\n(integer) 1\n\
         @0 > ARSET myarray 2 \"a\" \"b\" \"c\"\n(integer) 3\n\
         @0 > ARGET myarray 4\n\"c\"\n\
         @0 > ARGET myarray 1\n(nil)\n\
         @0 > ARMGET myarray 0 1 2 9\n1) \"hello\"\n2) (nil)\n3) \"a\"\n4) (nil)\n",
    );
    check(
        V,
        "@0 > ARINSERT myarray \"alpha\"\n(integer) 0\n\
         @0 > ARINSERT myarray \"beta\"\n(integer) 1\n\
         @0 > ARNEXT myarray\n(integer) 2\n\
         @0 > ARSEEK myarray 10\n(integer) 1\n\
         @0 > ARINSERT myarray \"c\"\n(integer) 10\n\
         @0 > ARNEXT myarray\n(integer) 11\n",
    );
    check(
        V,
        "@0 > ARMSET myarray 0 \"a\" 1 \"b\" 100 \"c\"\n(integer) 3\n\
         @0 > ARINSERT myarray \"d\"\n(integer) 0\n\
         @0 > ARINFO myarray\n 1) \"count\"\n 2) (integer) 3\n 3) \"len\"\n 4) (integer) 101\n \
         5) \"next-insert-index\"\n 6) (integer) 1\n 7) \"slices\"\n 8) (integer) 1\n \
         9) \"directory-size\"\n10) (integer) 1\n11) \"super-dir-entries\"\n12) (integer) 0\n\
         13) \"slice-size\"\n14) (integer) 4096\n",
    );
    check(
        V,
        "@0 > ARRING readings 3 \"v0\"\n(integer) 0\n\
         @0 > ARRING readings 3 \"v1\"\n(integer) 1\n\
         @0 > ARRING readings 3 \"v2\"\n(integer) 2\n\
         @0 > ARRING readings 3 \"v3\"\n(integer) 0\n\
         @0 > ARGET readings 0\n\"v3\"\n\
         @0 > ARLASTITEMS readings 3\n1) \"v1\"\n2) \"v2\"\n3) \"v3\"\n\
         @0 > ARLASTITEMS readings 3 REV\n1) \"v3\"\n2) \"v2\"\n3) \"v1\"\n",
    );
    check(
        V,
        "@0 > ARMSET log 0 \"boot: ok\" 1 \"warn: disk\" 2 \"ERROR: cpu\" 3 \"info: ready\" 4 \"error: net\"\n(integer) 5\n\
         @0 > ARGREP log - + MATCH \"error\" NOCASE WITHVALUES\n1) 1) (integer) 2\n   2) \"ERROR: cpu\"\n2) 1) (integer) 4\n   2) \"error: net\"\n\
         @0 > ARGREP log 0 4 GLOB \"warn:*\" OR GLOB \"error:*\"\n1) (integer) 1\n2) (integer) 4\n\
         @0 > ARGREP log 0 4 RE \"^[A-Za-z]+: (cpu|net)$\" NOCASE\n1) (integer) 2\n2) (integer) 4\n\
         @0 > ARGREP log - + MATCH \"error\" NOCASE LIMIT 1\n1) (integer) 2\n",
    );
    check(
        V,
        "@0 > ARMSET myarray 0 \"10\" 1 \"20\" 2 \"30\"\n(integer) 3\n\
         @0 > AROP myarray 0 2 SUM\n\"60\"\n\
         @0 > AROP myarray 2 0 MAX\n\"30\"\n\
         @0 > AROP myarray 0 2 MATCH \"10\"\n(integer) 1\n\
         @0 > ARMSET flags 0 \"255\" 1 \"15\" 2 \"240\"\n(integer) 3\n\
         @0 > AROP flags 0 2 AND\n(integer) 0\n\
         @0 > AROP flags 0 2 OR\n(integer) 255\n",
    );
}

#[test]
fn indexes_and_their_errors() {
    check(
        V,
        "@0 > ARGET a nope\n(error) ERR invalid array index\n\
         @0 > ARSET a -1 x\n(error) ERR invalid array index\n\
         @0 > ARSET a 18446744073709551615 x\n(error) ERR invalid array index\n\
         @0 > ARSET a 18446744073709551614 x y\n(error) ERR array index overflow\n\
         @0 > EXISTS a\n(integer) 0\n\
         @0 > ARSET a 18446744073709551614 x\n(integer) 1\n\
         @0 > ARLEN a\n(integer) 18446744073709551615\n\
         @0 > ARSCAN a 18446744073709551614 0\n1) 1) (integer) 18446744073709551614\n   2) \"x\"\n\
         @0 > ARSET a \" 7\" y\n(integer) 1\n\
         @0 > ARGET a 7\n\"y\"\n\
         @0 > ARMSET a 1 x 2\n(error) ERR wrong number of arguments for 'armset' command\n\
         @0 > ARMSET a 1 x -2 y\n(error) ERR invalid array index\n\
         @0 > ARGET a 1\n(nil)\n\
         @0 > SET s v\nOK\n\
         @0 > ARGET s nope\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
         @0 > ARDEL s nope\n(error) ERR invalid array index\n\
         @0 > ARDEL s 1\n(error) WRONGTYPE Operation against a key holding the wrong kind of value\n\
         @0 > TYPE a\narray\n\
         @0 > OBJECT ENCODING a\n\"sliced-array\"\n",
    );
}

#[test]
fn ranges_scans_and_limits() {
    check(
        V,
        "@0 > ARGETRANGE nokey 0 2\n1) (nil)\n2) (nil)\n3) (nil)\n\
         @0 > ARGETRANGE nokey 0 1000000\n(error) ERR range exceeds maximum of 1000000 items\n\
         @0 > ARMSET a 0 a 1 b 3 d\n(integer) 3\n\
         @0 > ARGETRANGE a 3 0\n1) \"d\"\n2) (nil)\n3) \"b\"\n4) \"a\"\n\
         @0 > ARSCAN a 5 0 LIMIT 2\n1) 1) (integer) 3\n   2) \"d\"\n2) 1) (integer) 1\n   2) \"b\"\n\
         @0 > ARSCAN a 0 5 LIMIT 0\n(error) ERR LIMIT must be positive\n\
         @0 > ARSCAN a 0 5 COUNT 1\n(error) ERR syntax error\n\
         @0 > ARSCAN a 0 5 LIMIT\n(error) ERR wrong number of arguments for 'arscan' command\n\
         @0 > ARSCAN a 0 5 LIMIT x\n(error) ERR value is not an integer or out of range\n\
         @0 > ARSCAN nokey 0 5\n(empty array)\n\
         @0 > ARDELRANGE a 3 1 0 0\n(integer) 3\n\
         @0 > EXISTS a\n(integer) 0\n\
         @0 > ARDELRANGE a 1 2 3\n(error) ERR wrong number of arguments for 'ardelrange' command\n",
    );
}

#[test]
fn the_insert_cursor() {
    check(
        V,
        "@0 > ARSEEK nokey 5\n(integer) 0\n\
         @0 > ARNEXT nokey\n(integer) 0\n\
         @0 > ARINSERT a x\n(integer) 0\n\
         @0 > ARSEEK a 18446744073709551615\n(integer) 1\n\
         @0 > ARNEXT a\n(nil)\n\
         @0 > ARINSERT a y\n(error) ERR insert index overflow\n\
         @0 > ARSEEK a 18446744073709551614\n(integer) 1\n\
         @0 > ARINSERT a y z\n(error) ERR insert index overflow\n\
         @0 > ARINSERT a y\n(integer) 18446744073709551614\n\
         @0 > ARINFO a\n 1) \"count\"\n 2) (integer) 2\n 3) \"len\"\n 4) (integer) 18446744073709551615\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 2\n \
         9) \"directory-size\"\n10) (integer) 4\n11) \"super-dir-entries\"\n12) (integer) 2\n\
         13) \"slice-size\"\n14) (integer) 4096\n\
         @0 > ARSEEK a 0\n(integer) 1\n\
         @0 > ARNEXT a\n(integer) 0\n\
         @0 > ARSEEK a -1\n(error) ERR invalid array index\n",
    );
    // ARLASTITEMS walks positions back from the cursor (holes answer nil), wrapping at the end.
    check(
        V,
        "@0 > ARINSERT l 0 10 20 30 40\n(integer) 4\n\
         @0 > ARLASTITEMS l 3\n1) \"20\"\n2) \"30\"\n3) \"40\"\n\
         @0 > ARSEEK l 0\n(integer) 1\n\
         @0 > ARLASTITEMS l 3 REV\n1) \"40\"\n2) \"30\"\n3) \"20\"\n\
         @0 > ARSEEK l 2\n(integer) 1\n\
         @0 > ARLASTITEMS l 3\n1) \"40\"\n2) \"0\"\n3) \"10\"\n\
         @0 > ARDEL l 0\n(integer) 1\n\
         @0 > ARLASTITEMS l 9\n1) \"20\"\n2) \"30\"\n3) \"40\"\n4) (nil)\n5) \"10\"\n\
         @0 > ARLASTITEMS l 0 junk\n(empty array)\n\
         @0 > ARLASTITEMS l 1 junk\n(error) ERR syntax error\n\
         @0 > ARLASTITEMS l x\n(error) ERR invalid COUNT\n\
         @0 > ARSET sparse 5000000 x\n(integer) 1\n\
         @0 > ARLASTITEMS sparse 1000001\n(error) ERR count exceeds maximum of 1000000 items\n",
    );
}

#[test]
fn rings_keep_their_newest_elements_when_resized() {
    check(
        V,
        "@0 > EVAL \"for i=0,9 do redis.call('ARRING', KEYS[1], 5, i) end\" 1 r\n(nil)\n\
         @0 > ARGETRANGE r 0 4\n1) \"5\"\n2) \"6\"\n3) \"7\"\n4) \"8\"\n5) \"9\"\n\
         @0 > ARRING r 3 a\n(integer) 0\n\
         @0 > ARGETRANGE r 0 2\n1) \"a\"\n2) \"8\"\n3) \"9\"\n\
         @0 > ARLASTITEMS r 3\n1) \"8\"\n2) \"9\"\n3) \"a\"\n\
         @0 > ARRING r 5 b\n(integer) 3\n\
         @0 > ARGETRANGE r 0 4\n1) \"8\"\n2) \"9\"\n3) \"a\"\n4) \"b\"\n5) (nil)\n\
         @0 > ARRING r 0 x\n(error) ERR size must be positive\n\
         @0 > ARRING r x x\n(error) ERR invalid size\n",
    );
}

#[test]
fn grep_predicates_and_options() {
    check(
        V,
        "@0 > ARMSET a 0 RedisArray 1 redis-match 2 array-only 3 plain\n(integer) 4\n\
         @0 > ARGREP a - + MATCH redis GLOB *array* AND NOCASE\n1) (integer) 0\n\
         @0 > ARGREP a - + OR MATCH redis LIMIT 3 GLOB *array* AND LIMIT 1 NOCASE\n1) (integer) 0\n\
         @0 > ARGREP a - + MATCH redis OR\n1) (integer) 1\n\
         @0 > ARGREP a - + LIMIT 1\n(error) ERR syntax error\n\
         @0 > ARGREP a - + MATCH\n(error) ERR wrong number of arguments for 'argrep' command\n\
         @0 > ARGREP a - + NOCASE MATCH\n(error) ERR syntax error\n\
         @0 > ARGREP a - + RE \"(\"\n(error) ERR invalid regular expression: Missing ')'\n\
         @0 > ARGREP a - + RE \"\"\n(error) ERR regular expression is empty\n\
         @0 > ARGREP a - + RE \"(a)\\\\1\"\n(error) ERR regular expression backreferences are not supported\n\
         @0 > ARGREP a x + MATCH a\n(error) ERR invalid array index\n\
         @0 > ARGREP nokey - + MATCH a\n(empty array)\n\
         @0 > ARMSET b 0 foo 1 bar 3 foobar 4 BAR\n(integer) 4\n\
         @0 > ARGREP b - + RE \"^(foo|bar)$\" NOCASE\n1) (integer) 0\n2) (integer) 1\n3) (integer) 4\n\
         @0 > ARGREP b 3 0 EXACT bar NOCASE WITHVALUES\n1) 1) (integer) 1\n   2) \"bar\"\n",
    );
}

#[test]
fn aggregates_read_numbers_as_redis_stores_them() {
    check(
        V,
        "@0 > ARMSET f 0 7.9 1 3.2 2 1.8 3 text\n(integer) 4\n\
         @0 > AROP f 0 3 AND\n(integer) 1\n\
         @0 > AROP f 0 3 OR\n(integer) 7\n\
         @0 > AROP f 0 3 XOR\n(integer) 5\n\
         @0 > AROP f 0 3 USED\n(integer) 4\n\
         @0 > AROP f 3 3 SUM\n(nil)\n\
         @0 > AROP f 3 3 XOR\n(nil)\n\
         @0 > ARMSET g 0 0.1 1 0.2 2 0.5 3 3.14159 4 1.50\n(integer) 5\n\
         @0 > AROP g 0 1 SUM\n\"0.3\"\n\
         @0 > AROP g 2 2 MIN\n\"0.5\"\n\
         @0 > AROP g 3 3 MAX\n\"3.14159\"\n\
         @0 > AROP g 4 4 MIN\n\"1.5\"\n\
         @0 > ARMSET h 0 123456789012345678 1 1\n(integer) 2\n\
         @0 > AROP h 0 1 SUM\n\"1.2345678901234568e+17\"\n\
         @0 > ARMSET inf 0 inf 1 -inf\n(integer) 2\n\
         @0 > AROP inf 0 1 SUM\n\"-nan\"\n\
         @0 > AROP inf 0 1 MAX\n\"inf\"\n\
         @0 > AROP f 0 3 AVG\n(error) ERR unknown operation\n\
         @0 > AROP f 0 3 MATCH\n(error) ERR MATCH requires a value argument\n\
         @0 > AROP f 0 3 SUM x\n(error) ERR wrong number of arguments for 'arop' command\n\
         @0 > AROP nokey 0 3 USED\n(integer) 0\n\
         @0 > AROP nokey 0 3 SUM\n(nil)\n",
    );
}

#[test]
fn slices_turn_dense_and_sparse_and_the_directory_grows() {
    // Fifteen scattered elements in one slice: past kmax (10) it is dense, a 2048-slot window.
    let mut script =
        String::from("@0 > EVAL \"for i=0,14 do redis.call('ARSET', KEYS[1], i*100, 'x') end\" 1 a\n(nil)\n");
    script.push_str(
        "@0 > ARINFO a FULL\n 1) \"count\"\n 2) (integer) 15\n 3) \"len\"\n 4) (integer) 1401\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 1\n \
         9) \"directory-size\"\n10) (integer) 1\n11) \"super-dir-entries\"\n12) (integer) 0\n\
         13) \"slice-size\"\n14) (integer) 4096\n15) \"dense-slices\"\n16) (integer) 1\n\
         17) \"sparse-slices\"\n18) (integer) 0\n19) \"avg-dense-size\"\n20) \"2048\"\n\
         21) \"avg-dense-fill\"\n22) \"0.00732421875\"\n23) \"avg-sparse-size\"\n24) \"0\"\n",
    );
    // A contiguous ARSET of 50 goes dense at once; deleting down to 3 makes it sparse again.
    script.push_str(
        "@0 > EVAL \"local t = {} for i=1,50 do t[i] = 'v' end return redis.call('ARSET', KEYS[1], 0, unpack(t))\" 1 b\n(integer) 50\n\
         @0 > ARDELRANGE b 3 49\n(integer) 47\n\
         @0 > ARINFO b FULL\n 1) \"count\"\n 2) (integer) 3\n 3) \"len\"\n 4) (integer) 3\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 1\n \
         9) \"directory-size\"\n10) (integer) 1\n11) \"super-dir-entries\"\n12) (integer) 0\n\
         13) \"slice-size\"\n14) (integer) 4096\n15) \"dense-slices\"\n16) (integer) 0\n\
         17) \"sparse-slices\"\n18) (integer) 1\n19) \"avg-dense-size\"\n20) \"0\"\n\
         21) \"avg-dense-fill\"\n22) \"0\"\n23) \"avg-sparse-size\"\n24) \"5\"\n",
    );
    script.push_str(
        "@0 > ARMSET c 0 start 1000000 middle\n(integer) 2\n\
         @0 > ARINFO c\n 1) \"count\"\n 2) (integer) 2\n 3) \"len\"\n 4) (integer) 1000001\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 2\n \
         9) \"directory-size\"\n10) (integer) 256\n11) \"super-dir-entries\"\n12) (integer) 0\n\
         13) \"slice-size\"\n14) (integer) 4096\n\
         @0 > ARSET c 10000000 end\n(integer) 1\n\
         @0 > ARINFO c\n 1) \"count\"\n 2) (integer) 3\n 3) \"len\"\n 4) (integer) 10000001\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 3\n \
         9) \"directory-size\"\n10) (integer) 4\n11) \"super-dir-entries\"\n12) (integer) 2\n\
         13) \"slice-size\"\n14) (integer) 4096\n",
    );
    check(V, &script);
}

#[test]
fn parameters_events_and_profiles() {
    check(
        V,
        "@0 > CONFIG GET array-*\n1) \"array-slice-size\"\n2) \"4096\"\n3) \"array-sparse-kmax\"\n4) \"10\"\n\
         5) \"array-sparse-kmin\"\n6) \"5\"\n\
         @0 > CONFIG SET array-slice-size 1000\n(error) ERR CONFIG SET failed (possibly related to argument 'array-slice-size') - array-slice-size must be a power of two\n\
         @0 > CONFIG SET array-sparse-kmin 20\n(error) ERR CONFIG SET failed (possibly related to argument 'array-sparse-kmin') - array-sparse-kmin must be less than array-sparse-kmax\n\
         @0 > CONFIG SET array-slice-size 256\nOK\n\
         @0 > ARSET small 0 x\n(integer) 1\n\
         @0 > CONFIG SET array-slice-size 4096\nOK\n\
         @0 > ARSET small 300 y\n(integer) 1\n\
         @0 > ARINFO small\n 1) \"count\"\n 2) (integer) 2\n 3) \"len\"\n 4) (integer) 301\n \
         5) \"next-insert-index\"\n 6) (integer) 0\n 7) \"slices\"\n 8) (integer) 2\n \
         9) \"directory-size\"\n10) (integer) 2\n11) \"super-dir-entries\"\n12) (integer) 0\n\
         13) \"slice-size\"\n14) (integer) 256\n\
         @0 > CONFIG SET notify-keyspace-events KEA\nOK\n\
         @0 > CONFIG GET notify-keyspace-events\n1) \"notify-keyspace-events\"\n2) \"AKE\"\n\
         @0 c2> PSUBSCRIBE __keyevent*\n1) \"psubscribe\"\n2) \"__keyevent*\"\n3) (integer) 1\n\
         @0 > ARDEL small 0 300\n(integer) 2\n\
         c2: 1) \"pmessage\"\n2) \"__keyevent*\"\n3) \"__keyevent@0__:ardel\"\n4) \"small\"\n\
         c2: 1) \"pmessage\"\n2) \"__keyevent*\"\n3) \"__keyevent@0__:del\"\n4) \"small\"\n",
    );
    check(
        Version::V8_6,
        "@0 > ARGET k 0\n(error) ERR unknown command 'ARGET', with args beginning with: 'k' '0' \n\
         @0 > CONFIG SET notify-keyspace-events Ka\n(error) ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\n\
         @0 > CONFIG SET notify-keyspace-events KEg$lshzxetd\nOK\n\
         @0 > CONFIG GET notify-keyspace-events\n1) \"notify-keyspace-events\"\n2) \"AKE\"\n",
    );
}

#[test]
fn the_array_category_comes_with_8_8() {
    check(
        V,
        "@0 > ACL CAT array\n 1) \"arcount\"\n 2) \"ardel\"\n 3) \"ardelrange\"\n 4) \"arget\"\n 5) \"argetrange\"\n \
         6) \"argrep\"\n 7) \"arinfo\"\n 8) \"arinsert\"\n 9) \"arlastitems\"\n10) \"arlen\"\n11) \"armget\"\n\
         12) \"armset\"\n13) \"arnext\"\n14) \"arop\"\n15) \"arring\"\n16) \"arscan\"\n17) \"arseek\"\n18) \"arset\"\n\
         @0 > ACL SETUSER u +@array\nOK\n",
    );
    check(
        Version::V8_6,
        "@0 > ACL CAT array\n(error) ERR Unknown category 'array'\n\
         @0 > ACL SETUSER u +@array\n(error) ERR Error in ACL SETUSER modifier '+@array': Unknown command or category name in ACL\n",
    );
}
