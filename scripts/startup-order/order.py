"""The two ends of scripts/startup-order.sh, around the firstcall tracer.

  order.py read-map MAP ENTRIES SECTIONS    read lld's link map (-Map) of the window binary:
                                            write the address of every function in .text
                                            (ENTRIES) and of every input section (SECTIONS)
  order.py ordering-file SECTIONS HITS      print the ordering file: the input sections that
                                            hold the functions reached (HITS), first-reached
                                            first, by the symbol lld orders them by
"""
import bisect
import re
import sys

# lld's map: four columns (VMA, LMA, size, alignment), then the output section's name, an
# input section's `object:(section)` 8 columns further in, or a symbol 16 further in.
LINE = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\s*)(.*)$")
INPUT = re.compile(r":\(([^()]*)\)$")
# rustc and cc emit one section per function (-ffunction-sections), named after its symbol;
# LLVM prefixes some with a temperature. A section of only the prefix holds several.
FUNCTION = re.compile(r"\.text\.(?:(?:unlikely|hot|startup|exit|split)\.)?(.+)$")
PREFIXES = {".text.unlikely", ".text.hot", ".text.startup", ".text.exit", ".text.split"}


def read_map(map_path, entries_path, sections_path):
    in_text = False
    sections = []  # [address, size, section name, first symbol]
    points = set()
    with open(map_path, errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if m is None:
                continue  # the header
            address, size = int(m.group(1), 16), int(m.group(2), 16)
            depth, rest = len(m.group(3)), m.group(4)
            if depth == 0:
                in_text = rest == ".text"  # an output section
                continue
            if not in_text:
                continue
            m = INPUT.search(rest) if depth == 8 else None
            if m:
                sections.append([address, size, m.group(1), None])
                if size:
                    points.add(address)
            elif depth == 16 and sections:
                last = sections[-1]
                if last[3] is None:
                    last[3] = rest
                # A symbol inside a section that holds several functions (assembly, C
                # without function sections): each one is an entry too.
                if last[0] <= address < last[0] + last[1]:
                    points.add(address)
    with open(entries_path, "w") as f:
        f.writelines(f"{p:x}\n" for p in sorted(points))
    with open(sections_path, "w") as f:
        f.writelines(f"{a:x} {s:x} {n} {sym or '-'}\n" for a, s, n, sym in sections)
    print(f"{len(sections)} sections, {len(points)} entries", file=sys.stderr)


def ordering_file(sections_path, hits_path):
    sections = []
    with open(sections_path) as f:
        for line in f:
            a, s, name, sym = line.rstrip("\n").split(" ", 3)
            sections.append((int(a, 16), int(s, 16), name, sym))
    starts = [s[0] for s in sections]
    seen, size = set(), 0
    # lld reads `#` to the end of a line as a comment.
    print("# Recorded by scripts/startup-order.sh (read by build.rs); do not edit.")
    with open(hits_path) as f:
        for line in f:
            i = bisect.bisect_right(starts, int(line, 16)) - 1
            while i > 0 and sections[i][1] == 0:
                i -= 1
            address, length, name, sym = sections[i]
            m = None if name in PREFIXES else FUNCTION.match(name)
            # A section of several functions (plain .text) is ordered by its first symbol.
            symbol = m.group(1) if m else sym
            if symbol == "-" or symbol in seen:
                continue
            seen.add(symbol)
            size += length
            print(symbol)
    print(f"{len(seen)} functions, {size / 1048576:.1f} MB of code", file=sys.stderr)


if __name__ == "__main__":
    commands = {"read-map": (read_map, 3), "ordering-file": (ordering_file, 2)}
    command = commands.get(sys.argv[1] if len(sys.argv) > 1 else "")
    if command is None or len(sys.argv) != command[1] + 2:
        sys.exit(__doc__)
    command[0](*sys.argv[2:])
