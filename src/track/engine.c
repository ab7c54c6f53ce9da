/* \summary: STUB (owner: track helper) */
#include <stdlib.h>
#include "track.h"
#include "../render/view.h"
struct sf_engine { sf_view *v; sf_stats st; };
sf_engine *sf_engine_new(const sf_engine_cfg *cfg, struct sf_view *view) { (void)cfg; sf_engine *e = calloc(1, sizeof *e); if (e) e->v = view; return e; }
void sf_engine_packet(sf_engine *e, const sf_pkt *pkt) { e->st.frames++; e->v->packet(e->v->self, pkt, NULL, NULL); }
void sf_engine_finish(sf_engine *e) { if (e->v->finish) e->v->finish(e->v->self, &e->st); }
const sf_stats *sf_engine_stats(const sf_engine *e) { return &e->st; }
void sf_engine_free(sf_engine *e) { free(e); }
