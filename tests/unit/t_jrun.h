/* \summary: unit-test fixture: an engine whose json view writes into a temporary file */
#ifndef SF_T_JRUN_H
#define SF_T_JRUN_H
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "../../src/track/track.h"
#include "../../src/render/view.h"
#include "../../src/util/out.h"

typedef struct t_jrun {
    FILE *f;
    sf_out o;
    sf_view v;
    sf_engine *e;        /* fed by the test between open and close */
} t_jrun;

/* Open the file, the json view on it and the engine (cfg may be NULL).
 * 0, or -1 with nothing to close when no temporary file could be made. */
static inline int t_jrun_open(t_jrun *r, const sf_engine_cfg *cfg)
{
    if (!(r->f = tmpfile()))
        return -1;
    sf_out_init(&r->o, fileno(r->f), 1 << 16);
    memset(&r->v, 0, sizeof r->v);
    sf_view_json(&r->v, NULL, &r->o);
    r->e = sf_engine_new(cfg, &r->v);
    return 0;
}

/* Finish and free the engine, the view and the output; the json written
 * (t_slurp: the caller frees it). */
static inline char *t_jrun_close(t_jrun *r)
{
    sf_engine_finish(r->e);
    sf_engine_free(r->e);
    r->v.destroy(r->v.self);
    sf_out_flush(&r->o);
    sf_out_free(&r->o);
    return t_slurp(r->f);
}
#endif
