/* \summary: synfin lab: staged real TCP experiments on this machine */
#ifndef SF_LAB_H
#define SF_LAB_H
/* argv[0] is "lab". Returns the exit status. */
int sf_lab_main(int argc, char **argv);
#endif
