/* \summary: STUB view lines */
#include "view.h"
static void p_lines(void *s, const sf_pkt *p, const sf_pinfo *pi, const sf_conn *c) { (void)s; (void)p; (void)pi; (void)c; }
int sf_view_lines(sf_view *v, const sf_opts *o, sf_out *out) { (void)o; (void)out; v->self = NULL; v->packet = p_lines; v->conn_end = NULL; v->finish = NULL; v->destroy = NULL; return 0; }
