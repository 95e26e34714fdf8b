/* The libFuzzer main of one harness: FUZZ_ENTRY (fuzz_push, fuzz_config ...) is set per program by
 * Makefile.am. Built only with ./configure --enable-fuzzing CC=clang; run with `make fuzz`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "targets.h"

#ifndef FUZZ_ENTRY
#error "FUZZ_ENTRY must name the target (-DFUZZ_ENTRY=fuzz_push)"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fuzz_init() != 0)
        exit(1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_ENTRY(data, size);
}
