/*
 * ProcessPrng for wine 8 (Debian 12's), which lacks bcryptprimitives.dll.
 * Go 1.24 and newer read randomness through it on Windows and stop at start
 * ("bcryptprimitives.dll not found") without it; Windows 10 and later ship it.
 * scripts/cross builds this with MinGW-w64 into its wine prefix's system32 so
 * a Windows Terraform built with Go runs there. Same contract as Windows':
 * fill the buffer from the system generator (RtlGenRandom), TRUE on success.
 */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
