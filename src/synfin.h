/* \summary: program-wide constants */
#ifndef SYNFIN_H
#define SYNFIN_H
#define SYNFIN_VERSION "0.1.0"
/* exit statuses */
#define SF_EXIT_OK 0
#define SF_EXIT_INPUT 1   /* an input was unusable (missing, not a capture, cut short, ...) */
#define SF_EXIT_USAGE 2   /* bad command line */
#endif
