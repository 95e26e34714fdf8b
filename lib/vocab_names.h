/* vocab_names: the metric names that vigie's code itself reasons about (reachability, uptime,
 * traps...), defined once. Every other metric is data: mibs/vocabulary.yaml, read by vocab.h. A name
 * here is also in vocabulary.yaml; vocab_test checks that. */
#ifndef VIGIE_VOCAB_NAMES_H
#define VIGIE_VOCAB_NAMES_H

#define VOCAB_DEVICE_REACHABLE "device.reachable"
#define VOCAB_DEVICE_UPTIME "device.uptime"
#define VOCAB_DEVICE_TRAP "device.trap"
#define VOCAB_DEVICE_TRAP_RECEIVED "device.trap.received"
#define VOCAB_DEVICE_TRAP_DROPPED "device.trap.dropped"
#define VOCAB_DEVICE_REBOOT "device.reboot"

#endif
