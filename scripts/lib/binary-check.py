#!/usr/bin/env python3
"""Checks what a cross-built provider binary is, without running it.

    binary-check.py macho FILE x86_64|arm64 [--signed]
    binary-check.py pe FILE

macho: a 64-bit Mach-O executable of that architecture; prints the dylibs it
loads. With --signed it must carry a code signature (LC_CODE_SIGNATURE) whose
CodeDirectory hashes match every page of the file as it is now (a signature
made before a later strip or edit no longer matches, and Apple silicon then
kills the process), and the signature's flags are printed (adhoc,
linker-signed). pe: a PE32+ console executable for x86-64.
Exit 1 with the reason when a check fails.
"""

import hashlib
import struct
import sys

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 2
CPU_TYPES = {"x86_64": 0x01000007, "arm64": 0x0100000C}
LC_LOAD_DYLIB = 0x0C
LC_CODE_SIGNATURE = 0x1D
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CS_ADHOC = 0x2
CS_LINKER_SIGNED = 0x20000
HASHES = {1: hashlib.sha1, 2: hashlib.sha256}


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def macho(path, arch, signed):
    data = open(path, "rb").read()
    if len(data) < 32:
        fail(f"{path} is too short to be a Mach-O file")
    magic, cputype, _sub, filetype, ncmds, _size, _flags, _res = struct.unpack_from("<IiiIIIII", data)
    if magic != MH_MAGIC_64:
        fail(f"{path} is not a 64-bit little-endian Mach-O file (magic {magic:#x})")
    if cputype != CPU_TYPES[arch]:
        fail(f"{path} is a Mach-O file for CPU type {cputype:#x}, not {arch} ({CPU_TYPES[arch]:#x})")
    if filetype != MH_EXECUTE:
        fail(f"{path} is a Mach-O file of type {filetype}, not an executable")
    offset, dylibs, signature = 32, [], None
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, offset)
        if cmd == LC_LOAD_DYLIB:
            name_offset = struct.unpack_from("<I", data, offset + 8)[0]
            name = data[offset + name_offset : offset + cmdsize].split(b"\0", 1)[0]
            dylibs.append(name.decode())
        elif cmd == LC_CODE_SIGNATURE:
            signature = struct.unpack_from("<II", data, offset + 8)
        offset += cmdsize
    print(f"Mach-O 64-bit executable {arch}; loads {', '.join(dylibs)}")
    if not signed:
        return
    if signature is None:
        fail(f"{path} has no code signature (LC_CODE_SIGNATURE): Apple silicon refuses to run it")
    dataoff, datasize = signature
    blob = data[dataoff : dataoff + datasize]
    magic, _length, count = struct.unpack_from(">III", blob)
    if magic != CSMAGIC_EMBEDDED_SIGNATURE:
        fail(f"{path}: the code signature is not an embedded signature (magic {magic:#x})")
    directory = None
    for i in range(count):
        slot, slot_offset = struct.unpack_from(">II", blob, 12 + 8 * i)
        if slot == 0:
            directory = slot_offset
    if directory is None:
        fail(f"{path}: the code signature has no CodeDirectory")
    (cd_magic, _len, _version, flags, hash_offset, _ident, _special, code_slots, code_limit,
     hash_size, hash_type, _platform, page_log2) = struct.unpack_from(">IIIIIIIIIBBBB", blob, directory)
    if cd_magic != CSMAGIC_CODEDIRECTORY:
        fail(f"{path}: the CodeDirectory has magic {cd_magic:#x}")
    if hash_type not in HASHES:
        fail(f"{path}: the CodeDirectory uses hash type {hash_type}, which this check does not know")
    page = 1 << page_log2
    for i in range(code_slots):
        chunk = data[i * page : min((i + 1) * page, code_limit)]
        want = blob[directory + hash_offset + i * hash_size : directory + hash_offset + (i + 1) * hash_size]
        if HASHES[hash_type](chunk).digest()[:hash_size] != want:
            fail(f"{path}: page {i} does not match its code signature hash (the file changed after signing)")
    kinds = [name for bit, name in ((CS_ADHOC, "adhoc"), (CS_LINKER_SIGNED, "linker-signed")) if flags & bit]
    print(f"code signature valid: {code_slots} pages of {page} bytes, flags {flags:#x} ({', '.join(kinds) or 'none'})")


def pe(path):
    data = open(path, "rb").read()
    if data[:2] != b"MZ":
        fail(f"{path} is not a PE file (no MZ header)")
    pe_offset = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe_offset : pe_offset + 4] != b"PE\0\0":
        fail(f"{path} has no PE signature")
    machine = struct.unpack_from("<H", data, pe_offset + 4)[0]
    if machine != 0x8664:
        fail(f"{path} is a PE file for machine {machine:#x}, not x86-64 (0x8664)")
    optional = pe_offset + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    if magic != 0x20B:
        fail(f"{path} is not PE32+ (optional header magic {magic:#x})")
    subsystem = struct.unpack_from("<H", data, optional + 68)[0]
    if subsystem != 3:
        fail(f"{path} is not a console program (subsystem {subsystem})")
    print("PE32+ console executable x86-64")


def main(argv):
    if len(argv) >= 3 and argv[0] == "macho" and argv[2] in CPU_TYPES:
        macho(argv[1], argv[2], "--signed" in argv[3:])
    elif len(argv) == 2 and argv[0] == "pe":
        pe(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
