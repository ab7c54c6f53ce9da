/* \summary: STUB (owner: live/lab helper) — synfin lab */
#include <stdio.h>
#include "lab.h"
int sf_lab_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "synfin lab: not implemented yet\n"); return 1; }
