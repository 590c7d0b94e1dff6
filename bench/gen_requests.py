#!/usr/bin/env python3
"""Generate signed SignalWire terminal status callbacks for wrk.

Writes a data file that bench/wrk/signed.lua reads in each wrk thread: one
request per line, "SIGNATURE BODY" (neither contains a space or a newline),
after comment lines starting with "#".  (A Lua table literal was tried first;
LuaJIT took ~12 us per entry to parse it versus ~1 us for io.lines on this
format, which matters at several hundred thousand entries per run.)
Every body is an application/x-www-form-urlencoded Voice Status Callback of
about 1.5 KB for a *terminal* event (CallStatus=completed) with a CallSid that
is distinct per request, so the exporter's dedupe on
(AccountSid, CallSid, SequenceNumber) never short-circuits while the file is
not cycled.  Each body carries

    X-SignalWire-Signature: base64(HMAC-SHA1(key, url + name1 + value1 + ...))

over the parameters sorted by name, where url is exactly
http://HOST:PORT/status-callback (the Host header wrk sends).

Only the standard library is used.  Output is deterministic for a given
--seed except for the Timestamp field, which is "now" (RFC 2822).

Usage: gen_requests.py --count N --port PORT --key KEY --out FILE [--self-test]

The body of line i (0-based) is fully determined by (--seed, i) apart from
Timestamp; worker processes (--jobs) do not change the output.
"""

import argparse
import base64
import datetime
import email.utils
import functools
import hashlib
import hmac
import multiprocessing
import os
import random
import re
import sys
import time
import uuid
from urllib.parse import quote_plus, urlencode

# Entries per unit of work for the worker processes.
CHUNK = 2000


def signature(key: str, url: str, params) -> str:
    """SignalWire/Twilio-compatible request signature.

    params is a list of (name, value) pairs; they are sorted by name (stable,
    so repeated names keep their order) and concatenated as name+value after
    the full URL.
    """
    data = url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0]))
    mac = hmac.new(key.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def self_test() -> None:
    got = signature(
        "12345",
        "https://mycompany.com/myapp.php?foo=1&bar=2",
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ],
    )
    want = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    if got != want:
        sys.exit(f"signature self-test failed: got {got}, want {want}")
    rng = random.Random(7)
    for i in range(50):
        params = make_params(i, rng, "acc", "https://x.example/a b", "Wed, 27 Nov 2024 12:40:00 +0000")
        if form_encode(params) != urlencode(params):
            sys.exit("form_encode self-test failed: differs from urllib.parse.urlencode")


CITIES = [
    ("SEATTLE", "WA", "98101"),
    ("AUSTIN", "TX", "73301"),
    ("NEW YORK", "NY", "10001"),
    ("DENVER", "CO", "80202"),
    ("BOSTON", "MA", "02108"),
    ("MIAMI", "FL", "33101"),
]
HANGUP = ["inbound", "outbound"]
DIRECTIONS = ["inbound", "outbound-api", "outbound-dial"]


def phone(rng: random.Random) -> str:
    return "+1%d%03d%04d" % (rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999))


def make_params(i: int, rng: random.Random, account: str, space: str, ts: str):
    call_sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    parent_sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    direction = DIRECTIONS[i % len(DIRECTIONS)]
    frm, to = phone(rng), phone(rng)
    fc, tc = rng.choice(CITIES), rng.choice(CITIES)
    duration = rng.randint(5, 1800)
    media_in = duration * 50 - rng.randint(0, 200)  # 20 ms ptime
    media_out = duration * 50 - rng.randint(0, 200)
    lost = rng.randint(0, max(1, media_in // 100))
    mos = round(rng.uniform(3.2, 4.5), 2)
    jmin = round(rng.uniform(0.0, 0.5), 6)
    jmax = round(jmin + rng.uniform(0.0, 25.0), 6)
    p = [
        ("AccountSid", account),
        ("ApiVersion", "2010-04-01"),
        ("AudioInAveragePtime", "20.01"),
        ("AudioInDtmfPacketCount", str(rng.randint(0, 40))),
        ("AudioInFlushPacketCount", str(rng.randint(0, 3))),
        ("AudioInJitterMaxVariance", f"{jmax:.6f}"),
        ("AudioInJitterMinVariance", f"{jmin:.6f}"),
        ("AudioInLargestJbSize", str(rng.randint(20, 120))),
        ("AudioInMos", f"{mos:.2f}"),
        ("AudioInMediaPacketCount", str(media_in)),
        ("AudioInSkipPacketCount", str(lost)),
        ("AudioOutDtmfPacketCount", str(rng.randint(0, 40))),
        ("AudioOutMediaPacketCount", str(media_out)),
        ("CallbackSource", "call-progress-events"),
        ("CallSid", call_sid),
        ("CallStatus", "completed"),
        ("Direction", direction),
        ("From", frm),
        ("To", to),
        ("Caller", frm),
        ("Called", to),
        ("CallerName", "BENCH CALLER %05d" % (i % 100000)),
        ("CallerCity", fc[0]),
        ("CallerState", fc[1]),
        ("CallerZip", fc[2]),
        ("CallerCountry", "US"),
        ("FromCity", fc[0]),
        ("FromState", fc[1]),
        ("FromZip", fc[2]),
        ("FromCountry", "US"),
        ("CalledCity", tc[0]),
        ("CalledState", tc[1]),
        ("CalledZip", tc[2]),
        ("CalledCountry", "US"),
        ("ToCity", tc[0]),
        ("ToState", tc[1]),
        ("ToZip", tc[2]),
        ("ToCountry", "US"),
        ("ForwardedFrom", ""),
        ("ParentCallSid", parent_sid if direction == "outbound-dial" else ""),
        ("SequenceNumber", "3"),
        ("Timestamp", ts),
        ("CallDuration", str(duration)),
        ("Duration", str((duration + 59) // 60)),
        ("SipResultCode", "200"),
        ("HangupDirection", rng.choice(HANGUP)),
        ("HangupBy", frm if rng.random() < 0.5 else to),
        ("SipCallId", "%s@%s" % (uuid.UUID(int=rng.getrandbits(128), version=4), "sip.signalwire.com")),
        ("SipSourceIp", "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))),
        ("SipHeader_X-Bench-Run", "signalwire-exporter-bench"),
        ("SipHeader_User-Agent", "Bench-UA/1.0 (SignalWire compatible)"),
        ("SipHeader_P-Asserted-Identity", "<sip:%s@sip.signalwire.com;user=phone>" % frm),
        ("StirVerstat", "TN-Validation-Passed-A"),
        ("AnsweredBy", "human"),
        ("MachineDetectionDuration", "0"),
        ("RecordingUrl", ""),
        ("SpaceUrl", space),
        ("CallbackUrlVersion", "1"),
    ]
    return p


# Fast application/x-www-form-urlencoded encoding, identical to
# urllib.parse.urlencode (quote_plus); checked in self_test().  Most values
# need no escaping, and the escaped ones repeat a lot, hence the cache.
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9_.~-]")


_ESCAPE = {chr(c): ("+" if c == 32 else "%%%02X" % c) for c in range(128)}


def _escape(m) -> str:
    return _ESCAPE[m.group()]


@functools.lru_cache(maxsize=4096)
def _quote_cached(v: str) -> str:
    return quote_plus(v)


def _quote(v: str) -> str:
    if _NEEDS_QUOTE.search(v) is None:
        return v
    if not v.isascii():
        return _quote_cached(v)
    return _NEEDS_QUOTE.sub(_escape, v)


def form_encode(params) -> str:
    return "&".join(_quote(k) + "=" + _quote(v) for k, v in params)


def render_chunk(job) -> str:
    """Lines for the k-th block of CHUNK entries.  Each block has its own
    RNG seeded from (seed, k), so blocks can be made in parallel and the
    output does not depend on the number of worker processes."""
    k, count, seed, key, url, account, space, ts = job
    rng = random.Random(f"{seed}/{k}")
    out = []
    for i in range(k * CHUNK, min((k + 1) * CHUNK, count)):
        params = make_params(i, rng, account, space, ts)
        out.append("%s %s\n" % (signature(key, url, params), form_encode(params)))
    return "".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", "-n", type=int, default=100000, help="number of distinct requests")
    ap.add_argument("--port", type=int, default=9712)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--path", default="/status-callback")
    ap.add_argument("--key", default="benchkey", help="signing key")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--out", default="bench/results/requests.txt")
    ap.add_argument("--self-test", action="store_true", help="only check the signer against known vectors")
    args = ap.parse_args()

    self_test()
    if args.self_test:
        print("signature self-test ok")
        return

    url = f"http://{args.host}:{args.port}{args.path}"
    account = str(uuid.UUID(int=random.Random(f"{args.seed}/account").getrandbits(128), version=4))
    space = "https://bench-space.signalwire.com"
    # RFC 2822, e.g. "Wed, 27 Nov 2024 12:40:00 +0000"
    ts = email.utils.format_datetime(datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0))
    jobs = [(k, args.count, args.seed, args.key, url, account, space, ts) for k in range((args.count + CHUNK - 1) // CHUNK)]

    tmp = args.out + ".tmp"
    size = 0
    with open(tmp, "w") as f:
        f.write("# generated by bench/gen_requests.py; one request per line: SIGNATURE BODY\n")
        f.write(f"# url={url} count={args.count} seed={args.seed} key_sha1={hashlib.sha1(args.key.encode()).hexdigest()[:12]}\n")
        if args.jobs > 1 and len(jobs) > 1:
            with multiprocessing.Pool(args.jobs) as pool:
                for text in pool.imap(render_chunk, jobs, chunksize=1):
                    size += len(text)
                    f.write(text)
        else:
            for job in jobs:
                text = render_chunk(job)
                size += len(text)
                f.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.count} signed requests for {url} to {args.out}"
          f" (~{size / max(1, args.count):.0f} bytes per entry)", file=sys.stderr)


if __name__ == "__main__":
    main()
