/* \summary: internal: lexer and byte emitter shared by the option parsers of the text input */
#ifndef SF_TEXT_OPT_H
#define SF_TEXT_OPT_H
#include <stddef.h>
#include <stdint.h>
#include "text_parse.h"

/* A bounded scanner over option text that appends wire bytes to x->L->opt. */
typedef struct sf_txo {
    const char *p, *end;
    sf_txt_line *L;
    int overflow;          /* more than SF_TXT_OPT_MAX bytes were implied */
} sf_txo;

int sf_txo_lit(sf_txo *x, const char *lit);       /* consume lit if next; 1/0 */
void sf_txo_sp(sf_txo *x);                        /* skip spaces */
int sf_txo_u64(sf_txo *x, uint64_t *v);           /* decimal; 1/0 */
int sf_txo_u32(sf_txo *x, uint32_t *v);
int sf_txo_hex64(sf_txo *x, uint64_t *v);         /* "0x" + 1..16 hex digits; 1/0 */
size_t sf_txo_hexbytes(sf_txo *x, uint8_t *out, size_t max); /* hex digit pairs */
int sf_txo_put(sf_txo *x, const uint8_t *b, size_t n);       /* 0, or -1 on overflow */

/* The body of "mptcp LEN SUBTYPE ..." (after "mptcp"), tcpdump's
 * print-mptcp.c read backwards. Returns 0 or -1 (overflow). */
int sf_txo_mptcp(sf_txo *x);

#endif
