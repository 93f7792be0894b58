#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/<target>/) from
the fixture site, the example site and the bad-input corpus (tests/bad/).
The fuzzer's minimized queues (fuzz/corpus/<target>/) grow from these.
Run from the repository root: python3 fuzz/seed.py"""
import hashlib, os, pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "fuzz" / "seeds"

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = seeds / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)

def files(base, pattern):
    return sorted(p for p in base.glob(pattern) if p.is_file())

sites = [root / "tests/fixtures/site", root] + sorted(p for p in (root / "tests/bad").iterdir() if p.is_dir())
for site in sites:
    for p in files(site, "content/advisories/*"):
        text = p.read_bytes()
        if p.suffix == ".md":
            put("frontmatter", text)
            put("advisory", b"\x00" + text)
            body = re.split(rb"\n---\n", text, maxsplit=2)
            if len(body) > 1:
                put("markdown_html", body[-1])
                put("markdown_finder", body[-1])
        else:
            put("advisory", b"\x01" + text)
        for m in re.finditer(rb"cvss: *(\S+)", text):
            put("cvss", m.group(1))
    for p in files(site, "content/pages/*.md"):
        put("frontmatter", p.read_bytes())
    for p in files(site, "content/releases.yaml"):
        put("releases", p.read_bytes())
    for p in files(site, "site.toml"):
        put("site_toml", p.read_bytes())

for lines in ["1.2.3\n1.2.3-rc.1\n1.2.3+build.5", "5.1\n5.1.2\n6.0rc1", "1.0.0-alpha.1\n1.0.0-alpha.beta\n1.0.0",
              "2.0.post1\n2.0.dev3\n2.0a1", "1!2.0\n1.0\n0.9.9"]:
    put("version", lines)
for v in ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"]:
    put("cvss", v)

for token, page in [
    ("CVE-2026-40003", "<p>see CVE-2026-<em>40003</em></p>"),
    ("CVE-2026-40003", "<p>see &#67;VE-2026-40003</p>"),
    ("Secret token disclosed", "<p>the secret token\n   disclosed</p>"),
    ("QUILL-2026-0002", "<a title=\"QUILL&#x2d;2026-0002\">x</a>"),
    ("QUILL-2026-0002", "<svg><style>QUILL-<b></b>2026-0002</style></svg>"),
    ("QUILL-2026-0002", "<table>QUILL-<td>2026-0002</table>"),
]:
    put("leak_scan", token + "\n" + page)
public = root / "tests/fixtures/site/public"
for p in files(public, "**/index.html")[:6] if public.is_dir() else []:
    put("leak_scan", "QUILL-2026-0002\n" + p.read_text())

put("check_site", "")
for case in sorted(p for p in (root / "tests/bad").iterdir() if p.is_dir()):
    parts = []
    now = case / "NOW"
    if now.is_file():
        parts.append("NOW " + now.read_text().strip() + "\n")
    for p in files(case, "**/*"):
        if p.name in ("NOW", "REMOVE"):
            continue
        parts.append("=== " + str(p.relative_to(case)) + "\n" + p.read_text(errors="replace"))
    put("check_site", "".join(parts))
print("seeds:", {t.name: len(list(t.iterdir())) for t in sorted(seeds.iterdir())})

# Import parsers: the records this project's own build writes for the
# fixture site (checked in as snapshots) and the real records of tests/.
snaps = root / "tests/snapshots"
for p in files(snaps, "*.snap"):
    body = p.read_text().split("\n---\n", 1)[-1]
    if p.name.startswith("osv__osv_x_"):
        put("import_osv", body)
    elif p.name.startswith("csaf__csaf_white_"):
        put("import_csaf", body)
    elif p.name.startswith("cve__cve_"):
        put("import_cve", body)
imports = root / "tests/fixtures/import"
for p in files(imports, "**/*"):
    if p.suffix not in (".json", ".yaml", ".yml"):
        continue
    data = p.read_bytes()
    name = str(p.relative_to(imports))
    if "csaf" in name:
        put("import_csaf", data)
    elif "cve" in name:
        put("import_cve", data)
    else:
        put("import_osv", data)
