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
/* an agent pushing to several servers, about each of them (agent/main.c) */
#define VOCAB_AGENT_SERVER_BEHIND "agent.server.behind"
#define VOCAB_AGENT_SERVER_BACKLOG "agent.server.backlog"
/* a UPS's self-tests and calibrations (server/sla/selftest.h) */
#define VOCAB_UPS_TEST_RESULT "ups.test.result"
#define VOCAB_UPS_CALIBRATION_RESULT "ups.calibration.result"
#define VOCAB_UPS_TEST_RUNNING "ups.test.running"
#define VOCAB_UPS_TEST_DATE "ups.test.date"
#define VOCAB_UPS_CALIBRATION_DATE "ups.calibration.date"

#endif
