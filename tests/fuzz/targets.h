/* Fuzz targets: one entry point per harness, shared by the libFuzzer programs (fuzz_main.c, built
 * with ./configure --enable-fuzzing CC=clang) and by replay.c, which feeds every kept input
 * (tests/fuzz/regressions/HARNESS/ and tests/fuzz/corpus/HARNESS/) to the same functions in
 * `make check` with the normal compiler.
 *
 * Each entry takes any bytes and returns 0. It must not crash, leak or hit undefined behaviour; it
 * abort()s when a property of the code under test does not hold (a decoded push that cannot be
 * encoded again, a converted value that is not finite, an error without a message ...). */
#ifndef VIGIE_FUZZ_TARGETS_H
#define VIGIE_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* The fixed clock of the push decoder: seeds carry timestamps just before it. */
#define FUZZ_NOW 1790000000

/* Sets up what the targets share (a temporary folder, a memfd, the project's profiles loaded once)
 * and quiets the logs. Idempotent; the targets call it themselves. Returns -1 (with a message on
 * stderr) when the source tree cannot be found: set VIGIE_FUZZ_SRCDIR. */
int fuzz_init(void);

int fuzz_push(const uint8_t *data, size_t size);       /* push_batch_decode + round trip, names.c */
int fuzz_config(const uint8_t *data, size_t size);     /* agent_config_load, server_config_load, conf.c */
int fuzz_profile(const uint8_t *data, size_t size);    /* profile_set_load of vocabulary + the input */
int fuzz_snmp_value(const uint8_t *data, size_t size); /* decode, convert, oid_parse, expand_index */
int fuzz_traps(const uint8_t *data, size_t size);      /* traps_handle: a notification to a sample */

typedef int (*fuzz_target_fn)(const uint8_t *data, size_t size);

/* The target of a harness name ("push", "config", "profile", "snmp_value", "traps"), NULL if none. */
fuzz_target_fn fuzz_target_by_name(const char *name);

#endif
