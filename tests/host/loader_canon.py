#!/usr/bin/env python3
# Canonical one-line-per-policy forms, to compare the kernel SPD
# (`ip -s xfrm policy`, text: iproute2 6.1 has no JSON for xfrm) with the
# loader's maps (`ipsec-offload -j show policy`).
#   loader_canon.py ip < ip-output      loader_canon.py maps < json
import json
import sys

PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58, "icmpv6": 58,
         "esp": 50, "ah": 51, "comp": 108, "any": 0, "gre": 47,
         "sctp": 132, "ipcomp": 108}


def proto_num(p):
    p = str(p)
    return int(p) if p.isdigit() else PROTO[p]


def line(d):
    tm = "|".join("%s,%s,%s,%s,%d,%d,%s" % t for t in d["tmpl"])
    return ("dir=%s index=%d prio=%d act=%s src=%s dst=%s proto=%d "
            "sp=%d/%d dp=%d/%d mark=%d/%d tmpl=%s" % (
                d["dir"], d["index"], d["prio"], d["act"], d["src"],
                d["dst"], d["proto"], d["sport"], d["smask"], d["dport"],
                d["dmask"], d["mark_v"], d["mark_m"], tm))


def parse_ip(text):
    out = []
    cur = None
    tmpl = None
    for raw in text.splitlines():
        w = raw.split()
        if not w:
            continue
        if not raw.startswith("\t") and w[0] == "src":
            if cur:
                out.append(cur)
            cur = dict(src=w[1], dst=w[3], proto=0, sport=0, smask=0,
                       dport=0, dmask=0, mark_v=0, mark_m=0, tmpl=[],
                       act="allow")
            i = 4
            while i < len(w):
                k = w[i]
                if k == "proto":
                    cur["proto"] = proto_num(w[i + 1])
                elif k in ("sport", "type"):
                    cur["sport"], cur["smask"] = int(w[i + 1]), 0xffff
                elif k in ("dport", "code"):
                    cur["dport"], cur["dmask"] = int(w[i + 1]), 0xffff
                elif k == "uid" or k == "dev":
                    pass
                else:
                    i -= 1
                i += 2
            continue
        if raw.startswith("\tdir "):
            cur["dir"] = w[1]
            for i, k in enumerate(w):
                if k == "action":
                    cur["act"] = w[i + 1]
                elif k == "index":
                    cur["index"] = int(w[i + 1])
                elif k == "priority":
                    cur["prio"] = int(w[i + 1])
        elif raw.startswith("\tmark "):
            v, m = w[1].split("/")
            cur["mark_v"], cur["mark_m"] = int(v, 16), int(m, 16)
        elif raw.startswith("\ttmpl "):
            tmpl = dict(src=w[2], dst=w[4], level="required")
            cur["tmpl"].append(tmpl)
        elif raw.startswith("\t\tproto ") and tmpl is not None:
            tmpl["proto"] = proto_num(w[1])
            for i, k in enumerate(w):
                if k == "spi":
                    tmpl["spi"] = int(w[i + 1].split("(")[0], 16)
                elif k == "reqid":
                    tmpl["reqid"] = int(w[i + 1].split("(")[0])
                elif k == "mode":
                    tmpl["mode"] = w[i + 1]
        elif raw.startswith("\t\tlevel ") and tmpl is not None:
            tmpl["level"] = w[1]
    if cur:
        out.append(cur)
    res = []
    for d in out:
        if d["act"] == "block":
            d["act"] = "block"
        else:
            d["act"] = "protect" if d["tmpl"] else "bypass"
        d["tmpl"] = [(t["proto"], t["mode"], t["src"], t["dst"],
                      t.get("spi", 0), t.get("reqid", 0), t["level"])
                     for t in d["tmpl"]]
        res.append(line(d))
    return res


def parse_maps(text):
    res = []
    for p in json.loads(text):
        s = p["selector"]
        d = dict(dir=p["dir"], index=p["index"], prio=p["priority"],
                 act=p["action"], src=s["src"], dst=s["dst"],
                 proto=s["proto"], sport=s["sport"], smask=s["sport_mask"],
                 dport=s["dport"], dmask=s["dport_mask"],
                 mark_v=p["mark"]["value"], mark_m=p["mark"]["mask"],
                 tmpl=[(proto_num(t["proto"]), t["mode"], t["src"],
                        t["dst"], t["spi"], t["reqid"], t["level"])
                       for t in p["tmpl"]])
        res.append(line(d))
    return res


def main():
    text = sys.stdin.read()
    lines = parse_ip(text) if sys.argv[1] == "ip" else parse_maps(text)
    for l in sorted(lines):
        print(l)


if __name__ == "__main__":
    main()
