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

/* Open a device from the config file named by $CCSP_SDF_CONF, else SDFC_DEFAULT_CONF: read the config, unseal
 * the token, connect the first connection, say HELLO. CCSP_ERR_COMM (cannot connect, TLS or certificate
 * failure), CCSP_ERR_TOKEN (refused), CCSP_ERR_DECODE / CCSP_ERR_FILE_NOT_FOUND (config), ... On failure a
 * one-line reason is kept for sdfc_last_error() of this thread. */
CCSP_MUST_CHECK ccsp_err sdfc_device_open(sdfc_device **out);
/* Close every connection (the server then closes the device's sessions). */
void sdfc_device_close(sdfc_device *d);

/* One call: send the request whose body is in w (consumed and freed, also on failure) with opcode and
 * session; wait for its response. *status is the SDR status of the response; on SDR_OK the body is in
 * *body / *len (malloc'd, the caller frees it — and wipes it first when it carries secrets) and the
 * response's session id in *session_out (may be NULL). The return value is CCSP_OK when a response arrived,
 * CCSP_ERR_COMM when the connection failed (the call may or may not have run) or timed out. Thread-safe. */
CCSP_MUST_CHECK ccsp_err sdfc_call(sdfc_device *d, uint16_t opcode, uint64_t session, ccsp_sdf_writer *w,
                                   uint32_t *status, uint8_t **body, size_t *len, uint64_t *session_out);

/* The reason of this thread's last failure of sdfc_device_open / sdfc_call ("" when none). */
const char *sdfc_last_error(void);

#endif
