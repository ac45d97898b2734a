/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0018 6.2: device and session management, device information, random numbers, access rights. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/common.h>
#include <ccsp/mem.h>

#include "libsdf/sdf_internal.h"

const char *SDF_CCSP_Version(void)
{
	return CCSP_VERSION_STRING;
}

LONG SDF_OpenDevice(HANDLE *phDeviceHandle)
{
	return SDF_CCSP_OpenDeviceWithConfig(NULL, phDeviceHandle);
}

LONG SDF_CCSP_OpenDeviceWithConfig(const char *pucConfigPath, HANDLE *phDeviceHandle)
{
	sdfc_device *d = NULL;
	if (phDeviceHandle == NULL)
		return SDR_INARGERR;
	ccsp_err ret = sdfc_device_open(pucConfigPath, &d);
	if (ret != CCSP_OK)
		return SDR_OPENDEVICE;
	*phDeviceHandle = d;
	return SDR_OK;
}

LONG SDF_CloseDevice(HANDLE hDeviceHandle)
{
	if (hDeviceHandle == NULL)
		return SDR_INARGERR;
	sdfc_device_close(hDeviceHandle);
	return SDR_OK;
}

LONG SDF_OpenSession(HANDLE hDeviceHandle, HANDLE *phSessionHandle)
{
	ccsp_sdf_writer w;
	uint32_t status;
	uint8_t *body = NULL;
	size_t len = 0;
	uint64_t id = 0;
	if (hDeviceHandle == NULL || phSessionHandle == NULL)
		return SDR_INARGERR;
	sdf_session *s = calloc(1, sizeof *s);
	if (s == NULL || sdf_req(&w) != SDR_OK) {
		free(s);
		return SDR_NOBUFFER;
	}
	if (sdfc_call(hDeviceHandle, CCSP_SDF_OP_OPEN_SESSION, 0, &w, &status, &body, &len, &id) != CCSP_OK)
		status = SDR_COMMFAIL;
	free(body);
	if (status == SDR_OK && id == 0)
		status = SDR_COMMFAIL;
	if (status != SDR_OK) {
		free(s);
		return (LONG)(status == SDR_NOBUFFER ? SDR_OPENSESSION : status);
	}
	s->magic = SDF_SESSION_MAGIC;
	s->dev = hDeviceHandle;
	s->id = id;
	*phSessionHandle = s;
	return SDR_OK;
}

LONG SDF_CloseSession(HANDLE hSessionHandle)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	sdf_session *s = hSessionHandle;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK)
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_CLOSE_SESSION, &w, &resp);
	if (rv == SDR_OPENSESSION && (s == NULL || s->magic != SDF_SESSION_MAGIC))
		return rv; /* not a session handle: leave it alone */
	rv = sdf_resp_done(&resp, rv);
	s->magic = 0; /* the session is gone whatever the server said */
	free(s);
	return rv;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

LONG SDF_GetDeviceInfo(HANDLE hSessionHandle, DEVICEINFO *pstDeviceInfo)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	uint8_t info[100];
	if (pstDeviceInfo == NULL)
		return SDR_OUTARGERR;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK)
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GET_DEVICE_INFO, &w, &resp);
	if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_INFO, info, sizeof info) != CCSP_OK)
		rv = SDR_COMMFAIL;
	rv = sdf_resp_done(&resp, rv);
	if (rv != SDR_OK)
		return rv;
	memcpy(pstDeviceInfo->IssuerName, info, 40);
	memcpy(pstDeviceInfo->DeviceName, info + 40, 16);
	memcpy(pstDeviceInfo->DeviceSerial, info + 56, 16);
	pstDeviceInfo->DeviceVersion = get_be32(info + 72);
	pstDeviceInfo->StandardVersion = get_be32(info + 76);
	pstDeviceInfo->AsymAlgAbility[0] = get_be32(info + 80);
	pstDeviceInfo->AsymAlgAbility[1] = get_be32(info + 84);
	pstDeviceInfo->SymAlgAbility = get_be32(info + 88);
	pstDeviceInfo->HashAlgAbility = get_be32(info + 92);
	pstDeviceInfo->BufferSize = get_be32(info + 96);
	return SDR_OK;
}

LONG SDF_GenerateRandom(HANDLE hSessionHandle, ULONG uiLength, BYTE *pucRandom)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucRandom == NULL || uiLength == 0)
		return SDR_INARGERR;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_LENGTH, uiLength);
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GENERATE_RANDOM, &w, &resp);
	}
	if (rv == SDR_OK && ccsp_sdf_get_fixed(&resp.r, CCSP_SDF_T_DATA, pucRandom, uiLength) != CCSP_OK)
		rv = SDR_COMMFAIL;
	return sdf_resp_done(&resp, rv);
}

LONG SDF_GetPrivateKeyAccessRight(HANDLE hSessionHandle, ULONG uiKeyIndex, BYTE *pucPassword, ULONG uiPwdLength)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	if (pucPassword == NULL && uiPwdLength != 0)
		return SDR_INARGERR;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKeyIndex);
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PASSWORD, pucPassword, uiPwdLength);
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_GET_ACCESS_RIGHT, &w, &resp);
	}
	return sdf_resp_done(&resp, rv);
}

LONG SDF_ReleasePrivateKeyAccessRight(HANDLE hSessionHandle, ULONG uiKeyIndex)
{
	ccsp_sdf_writer w;
	sdf_resp resp;
	LONG rv = sdf_req(&w);
	if (rv == SDR_OK) {
		ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, uiKeyIndex);
		rv = sdf_call(hSessionHandle, CCSP_SDF_OP_RELEASE_ACCESS_RIGHT, &w, &resp);
	}
	return sdf_resp_done(&resp, rv);
}
