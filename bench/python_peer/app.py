"""Reference peer for bench/run: the SignalWire status-callback exporter a
user would otherwise write in an afternoon with prometheus_client and
Starlette, served by uvicorn (uvloop + httptools, one worker: the dedupe
state and the metrics live in this one process).

    SIGNALWIRE_SIGNING_KEY=benchkey \
    bench/.venv/bin/uvicorn --app-dir bench/python_peer app:app \
        --host 127.0.0.1 --port 9714 --log-level warning --no-access-log

POST /status-callback  verify X-SignalWire-Signature, dedupe on
                       (AccountSid, CallSid, SequenceNumber), and for terminal
                       events count events and audio packets and observe
                       MOS / packet loss / jitter histograms labelled with
                       status and direction.  Answers 204 (403 on a bad
                       signature, 400 on a malformed event).
GET  /metrics          Prometheus text exposition.
"""

import base64
import hashlib
import hmac
import os

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SIGNING_KEY = os.environ.get("SIGNALWIRE_SIGNING_KEY", "").encode()
DEDUPE_CAPACITY = int(os.environ.get("DEDUPE_CAPACITY", "100000"))
TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
LABELS = ["status", "direction"]

CALLBACKS = Counter("signalwire_status_callbacks_total", "Status callbacks received, by outcome.", ["outcome"])
EVENTS = Counter("signalwire_call_terminal_events_total", "Terminal call events.", LABELS)
PACKETS = Counter(
    "signalwire_call_audio_packets_total",
    "Audio packets reported in terminal events.",
    LABELS + ["stream", "kind"],
)
MOS = Histogram(
    "signalwire_call_audio_in_mos",
    "Inbound audio MOS per call.",
    LABELS,
    buckets=(1.0, 2.0, 2.5, 3.0, 3.5, 3.8, 4.0, 4.2, 4.4, 5.0),
)
LOSS = Histogram(
    "signalwire_call_audio_in_packet_loss_ratio",
    "Inbound audio packet loss ratio per call (skipped / (media + skipped)).",
    LABELS,
    buckets=(0.0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
JITTER = Histogram(
    "signalwire_call_audio_in_jitter_max_variance",
    "Inbound audio maximum jitter variance per call.",
    LABELS,
    buckets=(0.5, 1, 2, 5, 10, 20, 50, 100, 200),
)

# Bounded dedupe: dicts keep insertion order, so the first key is the oldest.
_seen: dict = {}


def already_seen(key) -> bool:
    if key in _seen:
        return True
    _seen[key] = None
    if len(_seen) > DEDUPE_CAPACITY:
        del _seen[next(iter(_seen))]
    return False


def valid_signature(url: str, params, signature: str) -> bool:
    data = url + "".join(k + v for k, v in sorted(params, key=lambda kv: kv[0]))
    expected = base64.b64encode(hmac.new(SIGNING_KEY, data.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(expected, signature)


def _int(form, name: str) -> int:
    v = form.get(name)
    return int(v) if v else 0


async def status_callback(request: Request) -> Response:
    form = await request.form()
    params = form.multi_items()
    if not valid_signature(str(request.url), params, request.headers.get("x-signalwire-signature", "")):
        CALLBACKS.labels("bad_signature").inc()
        return Response(status_code=403)
    try:
        key = (form["AccountSid"], form["CallSid"], form.get("SequenceNumber", ""))
        status = form["CallStatus"]
        direction = form.get("Direction", "")
    except KeyError:
        CALLBACKS.labels("malformed").inc()
        return Response(status_code=400)
    if already_seen(key):
        CALLBACKS.labels("duplicate").inc()
        return Response(status_code=204)
    CALLBACKS.labels("accepted").inc()
    if status in TERMINAL:
        try:
            media_in = _int(form, "AudioInMediaPacketCount")
            skip_in = _int(form, "AudioInSkipPacketCount")
            counts = {
                ("in", "media"): media_in,
                ("in", "skip"): skip_in,
                ("in", "flush"): _int(form, "AudioInFlushPacketCount"),
                ("in", "dtmf"): _int(form, "AudioInDtmfPacketCount"),
                ("out", "media"): _int(form, "AudioOutMediaPacketCount"),
                ("out", "dtmf"): _int(form, "AudioOutDtmfPacketCount"),
            }
            mos = form.get("AudioInMos")
            jitter = form.get("AudioInJitterMaxVariance")
            mos = float(mos) if mos else None
            jitter = float(jitter) if jitter else None
        except ValueError:
            CALLBACKS.labels("malformed").inc()
            return Response(status_code=400)
        EVENTS.labels(status, direction).inc()
        for (stream, kind), n in counts.items():
            PACKETS.labels(status, direction, stream, kind).inc(n)
        if mos is not None:
            MOS.labels(status, direction).observe(mos)
        if media_in + skip_in > 0:
            LOSS.labels(status, direction).observe(skip_in / (media_in + skip_in))
        if jitter is not None:
            JITTER.labels(status, direction).observe(jitter)
    return Response(status_code=204)


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


app = Starlette(
    routes=[
        Route("/status-callback", status_callback, methods=["POST"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
)
