/* \summary: internal: small JSON Lines writer (escaping, keys, numbers) over sf_out, for the json view */
#ifndef SF_JSONW_H
#define SF_JSONW_H
#include <stddef.h>
#include <stdint.h>
#include "../decode/packet.h"
#include "../util/out.h"

/* A writer for one object at a time. `first` tracks commas. The caller
 * owns `o`; nothing is allocated. */
typedef struct sf_jw {
    sf_out *o;
    int first;
} sf_jw;

void sf_jw_begin(sf_jw *w, sf_out *o);             /* "{" */
void sf_jw_end(sf_jw *w);                          /* "}" and end of line */
void sf_jw_key(sf_jw *w, const char *k);           /* ,"k": (k is trusted ASCII) */
/* A JSON string from untrusted bytes: quotes, backslash and control bytes
 * escaped; valid UTF-8 kept; every other byte written as \u00XX. */
void sf_jw_strn(sf_out *o, const char *s, size_t n);
/* The same into a buffer with room for 6 * n + 2 bytes; returns the end. */
char *sf_jw_esc(char *q, const char *s, size_t n);

/* ---- direct writers into a reserved buffer (the packet path) ---- */
/* a string literal ("" s rejects anything else: sizeof must be the text's) */
#define SF_JW_LIT(q, s) (memcpy((q), "" s, sizeof("" s) - 1), (q) += sizeof("" s) - 1)
char *sf_jw_u64(char *q, uint64_t v);
char *sf_jw_i64(char *q, int64_t v);
/* seconds from ns with 6 or 9 decimals */
char *sf_jw_sec(char *q, int64_t ns, int prec);
/* "sec.frac" timestamp, quoted */
char *sf_jw_ts(char *q, const sf_time *t);
void sf_jw_kstr(sf_jw *w, const char *k, const char *s);    /* NULL -> null */
void sf_jw_ku64(sf_jw *w, const char *k, uint64_t v);
void sf_jw_ki64(sf_jw *w, const char *k, int64_t v);
void sf_jw_kbool(sf_jw *w, const char *k, int v);
void sf_jw_knull(sf_jw *w, const char *k);
/* Seconds from nanoseconds, with 6 or 9 decimals (prec), as a JSON number. */
void sf_jw_ksec(sf_jw *w, const char *k, int64_t ns, int prec);
/* A timestamp as a JSON string "sec.frac" with 6 or 9 decimals as captured. */
void sf_jw_kts(sf_jw *w, const char *k, const sf_time *t);

#endif
