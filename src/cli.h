/* \summary: command-line parsing into sf_opts */
#ifndef SF_CLI_H
#define SF_CLI_H
#include <stdio.h>
#include "render/view.h"

/* Parse argv into *o. Returns 0 to run, 1 when --help/--version/-D was
 * handled (exit 0), or 2 on a usage error (message already on stderr).
 * o->files points into argv; o->filter is heap-allocated (caller frees). */
int sf_cli_parse(int argc, char **argv, sf_opts *o);
void sf_cli_usage(FILE *f);
#endif
