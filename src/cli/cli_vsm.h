/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp vsm (cli_vsm.c) and its client of vsmd's local admin socket (cli_vsm_admin.c): SDF frames without TLS or
 * HELLO over DIR/admin.sock; the server side is src/vsmd/op_admin.c.
 */
#ifndef CCSP_CLI_VSM_H
#define CCSP_CLI_VSM_H

#include <limits.h>
#include <stdint.h>

#include "sdf/sdf_wire.h"
#include "vsm/vsm.h"

/* Where the requests go: a running vsmd (fd) or the VSM opened here (vsm). */
typedef struct vsm_target {
	const char *dir;
	uint32_t max_index;
	char keyfile[PATH_MAX]; /* the storage key file, from vsmd.conf */
	int fd;                 /* admin socket of vsmd, or -1 */
	ccsp_vsm *vsm;          /* the VSM opened in this process, or NULL */
	uint32_t request;       /* id of the last request sent */
	uint32_t sdr;           /* SDR status of vsmd's last answer */
} vsm_target;

/* The name of an SDR status ("SDR_KEYERR"), for messages. */
const char *cli_vsm_sdr_name(uint32_t sdr);
/* 1 connected (*fd set), 0 no vsmd serves dir, -1 error (printed). */
int cli_vsm_admin_connect(const char *dir, int *fd);
/* Send the request in w (finished and freed here) and read the answer: CCSP_OK with the body (*body malloc'd,
 * caller frees), or the error its SDR status stands for (t->sdr keeps the status). Transport and protocol
 * failures are reported here and return CCSP_ERR_COMM. */
ccsp_err cli_vsm_admin_call(vsm_target *t, uint16_t opcode, ccsp_sdf_writer *w, uint8_t **body, size_t *bodylen);
/* A request whose answer has an empty body. */
ccsp_err cli_vsm_admin_simple(vsm_target *t, uint16_t opcode, ccsp_sdf_writer *w);
/* Decode the ADMIN_KEYS answer (repeated T_INFO records) into *infos (malloc'd) and *count. */
ccsp_err cli_vsm_parse_key_list(const vsm_target *t, const uint8_t *body, size_t len, ccsp_vsm_key_info **infos,
                                size_t *count);

#endif
