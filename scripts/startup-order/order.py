"""The two ends of scripts/startup-order.sh, around the firstcall tracer.

  order.py entries MAP ENTRIES SECTIONS   read lld's link map (-Map) of the window binary:
                                          write the address of every function in .text
                                          (ENTRIES) and of every input section (SECTIONS)
  order.py order SECTIONS HITS            print the ordering file: the input sections that
                                          hold the functions reached (HITS), first-reached
                                          first, by the symbol lld orders them by
"""
import bisect
import re
import sys

# An input section line ends with `object:(section)`; its symbol lines follow it.
INPUT = re.compile(r":\(([^()]*)\)$")
# rustc and cc emit one section per function (-ffunction-sections), named after its symbol;
# LLVM prefixes some with a temperature.
FUNCTION = re.compile(r"\.text\.(?:(?:unlikely|hot|startup|exit|split)\.)?(.+)$")


def entries(map_path, entries_path, sections_path):
    in_text = False
    sections = []  # [address, size, section name, first symbol]
    points = set()
    with open(map_path, errors="replace") as f:
        for line in f:
            cols = line.split(None, 4)
            if len(cols) < 5:
                continue
            try:
                address, size = int(cols[0], 16), int(cols[2], 16)
            except ValueError:
                continue  # the header
            rest = cols[4].strip()
            m = INPUT.search(rest)
            if m is None and rest.startswith(".") and " " not in rest:
                in_text = rest == ".text"  # an output section
                continue
            if not in_text:
                continue
            if m:
                sections.append([address, size, m.group(1), None])
                if size:
                    points.add(address)
            elif sections:
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


def order(sections_path, hits_path):
    sections = []
    with open(sections_path) as f:
        for line in f:
            a, s, name, sym = line.rstrip("\n").split(" ", 3)
            sections.append((int(a, 16), int(s, 16), name, sym))
    starts = [s[0] for s in sections]
    seen, size = set(), 0
    with open(hits_path) as f:
        for line in f:
            i = bisect.bisect_right(starts, int(line, 16)) - 1
            while i > 0 and sections[i][1] == 0:
                i -= 1
            address, length, name, sym = sections[i]
            m = FUNCTION.match(name)
            # A section named plain .text is ordered by its first symbol.
            symbol = m.group(1) if m else sym
            if symbol == "-" or symbol in seen:
                continue
            seen.add(symbol)
            size += length
            print(symbol)
    print(f"{len(seen)} functions, {size / 1048576:.1f} MB of code", file=sys.stderr)


if __name__ == "__main__":
    {"entries": entries, "order": order}[sys.argv[1]](*sys.argv[2:])
