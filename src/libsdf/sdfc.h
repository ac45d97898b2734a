/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsdf's transport: the client side of the SDF wire protocol (docs/sdf-protocol.md). A device is a pool
 * of TLS 1.3 connections to one vsmd, all in one device context; calls from any number of threads are
 * carried on them, several in flight per connection. Internal to libsdf.
 */
#ifndef CCSP_LIBSDF_SDFC_H
#define CCSP_LIBSDF_SDFC_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "sdf/sdf_wire.h"

#define SDFC_DEFAULT_CONF "/etc/ccsp/sdf.conf"

typedef struct sdfc_device sdfc_device;

/* Open a device from the config file path, or when path is NULL or "" the one named by $CCSP_SDF_CONF, else
 * SDFC_DEFAULT_CONF (format: sdfc_conf.c):
 * read the config, unseal the token, connect the first connection, say HELLO. CCSP_ERR_COMM (cannot connect,
 * TLS or certificate failure, timeout), CCSP_ERR_TOKEN (refused), CCSP_ERR_DECODE / CCSP_ERR_FILE_NOT_FOUND /
 * CCSP_ERR_IO / CCSP_ERR_LIMIT (config, CA or token file), CCSP_ERR_AUTH (token cannot be unsealed: wrong
 * CCSP_SDF_PIN, another host), CCSP_ERR_NOMEM, CCSP_ERR_ARG. On failure *out is NULL and a one-line reason is
 * kept for sdfc_last_error() of this thread. The unsealed token stays in locked memory until close. */
CCSP_MUST_CHECK ccsp_err sdfc_device_open(const char *path, sdfc_device **out);
/* Close every connection (the server then closes the device's sessions) and wipe the token. NULL is ignored.
 * Must not run concurrently with sdfc_call on d. */
void sdfc_device_close(sdfc_device *d);

/* One call: send the request whose body is in w (consumed and freed, also on failure) with opcode and
 * session; wait for its response. *status is the SDR status of the response; on SDR_OK the body is in
 * *body / *len (malloc'd, the caller frees it — and wipes it first when it carries secrets; NULL when the
 * body is empty, as it always is when *status is not SDR_OK) and the response's session id in *session_out
 * (may be NULL). The return value is CCSP_OK when a response arrived, CCSP_ERR_COMM when the connection failed
 * (the call may or may not have run) or timed out (timeout_ms from the config, connecting included; the
 * connection is then closed and the other calls in flight on it fail with CCSP_ERR_COMM too), or when the
 * server no longer knows the device context (every later call fails too: reopen the device);
 * the writer's error (CCSP_ERR_NOMEM, CCSP_ERR_LIMIT, CCSP_ERR_ARG, CCSP_ERR_STATE) when w had failed and
 * nothing was sent; CCSP_ERR_ARG for a NULL argument. On any error *status is 0, *body NULL, *len 0.
 * Thread-safe: any number of threads may call concurrently on one device. */
CCSP_MUST_CHECK ccsp_err sdfc_call(sdfc_device *d, uint16_t opcode, uint64_t session, ccsp_sdf_writer *w,
                                   uint32_t *status, uint8_t **body, size_t *len, uint64_t *session_out);

/* The reason of this thread's last failure of sdfc_device_open / sdfc_call ("" when none). */
const char *sdfc_last_error(void);

#endif
