#!/usr/bin/env python3
"""The parts of bench/gpu_verify.sh that read files: each subcommand prints
one line of `key=value` fields (or a sentence) and exits 0, 1 when what it
read breaks the check (the line says why).

    trace TRACE.json            GPU ms summed over the trace's GPU lanes
                                (kernels, copies, memsets), kernel ms, flow
                                starts/ends, ms inside synchronizing calls
    wait FOLDED FREQ FRAME API TRACE.json
                                [GPU_Wait] weight under FRAME;...;API in ms
                                (weights are samples at FREQ per second),
                                and the calls' wall time in the trace
    python FOLDED               GPU kernels launched from Python frames
    fde ELF...                  .eh_frame coverage of each ELF's code

Only the standard library: the GPU machine may have nothing else.
"""
import json
import re
import struct
import sys


def api_name(frame):
    """A CUDA API frame without its variant suffixes: cudaLaunchKernel_ptsz
    and cudaStreamSynchronize_v3020 are cudaLaunchKernel and
    cudaStreamSynchronize."""
    return re.sub(r"(_v[0-9]+)?(_pt[sd]z)?(_v[0-9]+)?$", "", frame)


def trace(path):
    events = json.load(open(path))["traceEvents"]
    gpu = kernel = sync = 0.0
    starts = ends = 0
    for e in events:
        ph, cat = e.get("ph"), e.get("cat")
        if ph == "X" and cat in ("kernel", "gpu_memcpy", "gpu_memset"):
            gpu += e["dur"]
            if cat == "kernel":
                kernel += e["dur"]
        elif ph == "X" and cat == "cuda_sync":
            sync += e["dur"]
        elif ph == "s":
            starts += 1
        elif ph == "f":
            ends += 1
    # Trace times are µs with 3 decimals: print ms with 6 (ns exact).
    print(f"gpu_ms={gpu / 1e3:.6f} kernel_ms={kernel / 1e3:.6f} flows={starts}/{ends} sync_ms={sync / 1e3:.6f}")
    return 0 if starts and starts == ends else 1


def folded_rows(path):
    for line in open(path):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        if stack:
            yield stack.split(";"), int(n)


def wait(folded, freq, frame, api, trace_path):
    """The weight of [GPU_Wait] leaves whose parent is API with FRAME above
    it, in ms, beside the wall time the trace gives those calls (CUPTI's
    interval of each API call with FRAME on its stack)."""
    blamed = 0
    leaves = {}
    for frames, n in folded_rows(folded):
        if frames[-1].startswith("[GPU_Wait]") and len(frames) > 2 and api_name(frames[-2]) == api \
                and frame in frames[:-2]:
            blamed += n
            leaves[frames[-1]] = leaves.get(frames[-1], 0) + n
    wall = sum(e["dur"] for e in json.load(open(trace_path))["traceEvents"]
               if e.get("cat") == "cuda_sync" and api_name(e.get("name", "")) == api
               and frame in e.get("args", {}).get("stack", []))
    top = ",".join(k for k, _ in sorted(leaves.items(), key=lambda kv: -kv[1])[:3])
    print(f"blame_ms={blamed * 1000 / float(freq):.3f} trace_ms={wall / 1e3:.3f} leaves={top or '-'}")
    return 0 if blamed else 1


LAUNCH_APIS = ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernelEx",
               "__cudaLaunchKernel", "cudaGraphLaunch", "cuGraphLaunch")


def python(folded):
    """Kernels under Python frames: the share of [GPU_Kernel] weight with a
    train_mlp.py frame, and whether train_step or MLP.forward sits above a
    launch API frame."""
    total = in_py = under_step = 0
    apis = {}
    for frames, n in folded_rows(folded):
        if not frames[-1].startswith("[GPU_Kernel]"):
            continue
        total += n
        if any("(train_mlp.py" in f for f in frames):
            in_py += n
        api = next((f for f in reversed(frames) if api_name(f) in LAUNCH_APIS), None)
        if api:
            apis[api] = apis.get(api, 0) + n
            i = frames.index(api)
            if any(f.startswith(("train_step (", "MLP.forward (")) for f in frames[:i]):
                under_step += n
    share = 100.0 * in_py / total if total else 0.0
    step = 100.0 * under_step / total if total else 0.0
    print(f"kernel_weight={total} under_python={share:.1f}% under_train_step_or_forward={step:.1f}% "
          f"apis={','.join(sorted(apis)) or '-'}")
    return 0 if total and share >= 90 and under_step else 1


# --- .eh_frame coverage ---------------------------------------------------

SHF_EXECINSTR = 0x4
SHT_NOBITS = 8


def sections(f):
    f.seek(0)
    ident = f.read(64)
    if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF")
    shoff, = struct.unpack_from("<Q", ident, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", ident, 0x3A)
    f.seek(shoff)
    raw = f.read(shentsize * shnum)
    heads = [struct.unpack_from("<IIQQQQIIQQ", raw, i * shentsize) for i in range(shnum)]
    strtab = heads[shstrndx]
    f.seek(strtab[4])
    names = f.read(strtab[5])
    out = []
    for name, typ, flags, addr, off, size, *_ in heads:
        end = names.index(b"\0", name)
        out.append((names[name:end].decode(), typ, flags, addr, off, size))
    return out


def leb128(b, i, signed=False):
    """The LEB128 number at b[i]: (value, index after it)."""
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            if signed and c & 0x40:
                v -= 1 << shift
            return v, i


def uleb(b, i):
    return leb128(b, i)


def sleb(b, i):
    return leb128(b, i, signed=True)


FORMATS = {0x00: "<Q", 0x02: "<H", 0x03: "<I", 0x04: "<Q", 0x0A: "<h", 0x0B: "<i", 0x0C: "<q"}


def encoded(b, i, enc, base):
    """A DW_EH_PE-encoded pointer at b[i]; base: the field's address."""
    fmt = enc & 0x0F
    if fmt == 0x01:
        v, j = uleb(b, i)
    elif fmt == 0x09:
        v, j = sleb(b, i)
    else:
        v, = struct.unpack_from(FORMATS[fmt], b, i)
        j = i + struct.calcsize(FORMATS[fmt])
    if enc & 0x70 == 0x10:  # pcrel
        v += base
    return v & 0xFFFFFFFFFFFFFFFF, j


def cie_encoding(b, i):
    """The FDE pointer encoding a CIE whose fields start at b[i] gives."""
    version = b[i]
    i += 1
    end = b.index(b"\0", i)
    aug = b[i:end].decode()
    i = end + 1
    if "eh" in aug:
        i += 8
    _, i = uleb(b, i)
    _, i = sleb(b, i)
    if version == 1:
        i += 1
    else:
        _, i = uleb(b, i)
    enc = 0x00
    if aug.startswith("z"):
        _, i = uleb(b, i)
        for c in aug[1:]:
            if c == "R":
                enc = b[i]
                i += 1
            elif c == "P":
                penc = b[i]
                _, i = encoded(b, i + 1, penc, 0)
            elif c == "L":
                i += 1
    return enc


def fde_ranges(data, addr):
    """(start, end) of every FDE in an .eh_frame loaded at addr."""
    ranges, cies = [], {}
    pos = 0
    while pos + 4 <= len(data):
        length, = struct.unpack_from("<I", data, pos)
        if length == 0:
            break
        head = 4
        if length == 0xFFFFFFFF:
            length, = struct.unpack_from("<Q", data, pos + 4)
            head = 12
        body = pos + head
        cie_id, = struct.unpack_from("<I", data, body)
        if cie_id:
            cie = body - cie_id  # the CIE's length field; its version follows its id
            if cie not in cies:
                cies[cie] = cie_encoding(data, cie + 8)
            enc = cies[cie]
            start, i = encoded(data, body + 4, enc, addr + body + 4)
            size, _ = encoded(data, i, enc & 0x0F, 0)
            if start:
                ranges.append((start, start + size))
        pos = body + length
    return ranges


def coverage(path):
    with open(path, "rb") as f:
        secs = sections(f)
        code = [(a, a + s) for _, t, fl, a, _, s in secs if fl & SHF_EXECINSTR and t != SHT_NOBITS and s]
        eh = next((s for s in secs if s[0] == ".eh_frame"), None)
        hdr = any(s[0] == ".eh_frame_hdr" for s in secs)
        ranges = []
        if eh:
            f.seek(eh[4])
            ranges = fde_ranges(f.read(eh[5]), eh[3])
    merged = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    total = sum(e - s for s, e in code)
    covered = sum(max(0, min(e, ce) - max(s, cs)) for s, e in merged for cs, ce in code)
    share = 100.0 * covered / total if total else 0.0
    print(f"{path}: {len(ranges)} FDEs cover {share:.1f}% of {total / 1e6:.1f} MB of code"
          f"{'' if hdr else ' (no .eh_frame_hdr)'}")
    return 0 if ranges else 1


def main(argv):
    cmd, args = argv[1], argv[2:]
    try:
        return run(cmd, args)
    except (OSError, ValueError, KeyError, IndexError) as e:
        print(f"{cmd}: unreadable input ({e})")
        return 1


def run(cmd, args):
    if cmd == "trace":
        return trace(*args)
    if cmd == "wait":
        return wait(*args)
    if cmd == "python":
        return python(*args)
    if cmd == "fde":
        rc = 0
        for path in args:
            try:
                rc |= coverage(path)
            except (OSError, ValueError, IndexError, KeyError, struct.error) as e:
                print(f"{path}: unreadable ({e})")
                rc = 1
        return rc
    print(f"unknown check {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
