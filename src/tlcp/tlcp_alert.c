/* SPDX-License-Identifier: Apache-2.0 */
#include "tlcp_conn.h"

const char *ccsp_tlcp_alert_name(uint8_t alert)
{
	/* RFC 5246 clause 7.2, as GM/T 0024-2014 clause 6.4.4.2 repeats it. */
	static const struct {
		uint8_t code;
		const char *name;
	} names[] = {
	        {0, "close_notify"},         {10, "unexpected_message"},
	        {20, "bad_record_mac"},      {21, "decryption_failed"},
	        {22, "record_overflow"},     {30, "decompression_failure"},
	        {40, "handshake_failure"},   {41, "no_certificate"},
	        {42, "bad_certificate"},     {43, "unsupported_certificate"},
	        {44, "certificate_revoked"}, {45, "certificate_expired"},
	        {46, "certificate_unknown"}, {47, "illegal_parameter"},
	        {48, "unknown_ca"},          {49, "access_denied"},
	        {50, "decode_error"},        {51, "decrypt_error"},
	        {70, "protocol_version"},    {71, "insufficient_security"},
	        {80, "internal_error"},      {90, "user_canceled"},
	        {100, "no_renegotiation"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == alert)
			return names[i].name;
	return NULL;
}
