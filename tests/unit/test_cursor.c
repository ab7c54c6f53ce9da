/* \summary: unit tests of the bounds-checked cursor */
#include "t.h"
#include "../../src/util/cursor.h"

TEST(cursor_reads_and_fails_closed)
{
    const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
    sf_cur c = sf_cur_make(b, sizeof b);
    T_EQ_INT(sf_get_be16(&c), 0x1234);
    T_EQ_INT(sf_get_be16(&c), 0x5678);
    T_CHECK(sf_cur_ok(&c));
    T_EQ_INT(sf_get_be32(&c), 0);      /* only 1 byte left: fails closed */
    T_CHECK(!sf_cur_ok(&c));
    T_EQ_INT(sf_cur_left(&c), 1);      /* cursor did not move */
    T_EQ_INT(sf_get_u8(&c), 0x9a);
    T_EQ_INT(sf_cur_left(&c), 0);
}

TEST(cursor_sub_clamps)
{
    const uint8_t b[] = { 1, 2, 3 };
    sf_cur c = sf_cur_make(b, sizeof b);
    int sh = 0;
    sf_cur s = sf_cur_sub(&c, 10, &sh);
    T_EQ_INT(sh, 1);
    T_EQ_INT(sf_cur_left(&s), 3);
    T_EQ_INT(sf_cur_left(&c), 0);
    T_EQ_INT(sf_get_be24(&s), 0x010203);
}
