#!/usr/bin/env python3
"""An OTLP/HTTP trace receiver for tests/e2e/test_traces.sh.

Decodes each POST with the official message definitions (PyPI's
opentelemetry-proto): protobuf bodies with ExportTraceServiceRequest, JSON
bodies with the OTLP/JSON mapping (hex ids).  Every span becomes one JSON line
in --log: ids in hex, name, kind, attributes, status, resource attributes and
the request's content type and headers named in --record-headers.

--mode-file: when it holds "503", every POST is answered 503 (a collector in
trouble); "slow" waits 3 s before answering 200.  Listens on 127.0.0.1 only.
"""
import argparse
import base64
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


def any_value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    return getattr(v, kind)


def attrs(kvs):
    return {kv.key: any_value(kv.value) for kv in kvs}


def from_json(body):
    """OTLP/JSON carries ids as hex where protobuf's JSON mapping expects
    base64: turn them into bytes first, then parse with the official types."""
    doc = json.loads(body)
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for sp in ss.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if sp.get(key):
                        sp[key] = base64.b64encode(bytes.fromhex(sp[key])).decode()
    msg = trace_service_pb2.ExportTraceServiceRequest()
    json_format.ParseDict(doc, msg)
    return msg


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        mode = ""
        try:
            with open(self.server.mode_file) as f:
                mode = f.read().strip()
        except OSError:
            pass
        if mode == "503":
            self.send_response(503)
            self.end_headers()
            return
        if mode == "slow":
            time.sleep(3)
        ctype = self.headers.get("Content-Type", "")
        try:
            msg = from_json(body) if "json" in ctype else trace_service_pb2.ExportTraceServiceRequest.FromString(body)
        except Exception as e:  # a body the official definitions refuse
            with open(self.server.log, "a") as f:
                f.write(json.dumps({"error": str(e), "content_type": ctype}) + "\n")
            self.send_response(400)
            self.end_headers()
            return
        headers = {h: self.headers.get(h) for h in self.server.record_headers if self.headers.get(h)}
        lines = []
        for rs in msg.resource_spans:
            res = attrs(rs.resource.attributes)
            for ss in rs.scope_spans:
                for sp in ss.spans:
                    lines.append({
                        "path": self.path, "content_type": ctype, "headers": headers,
                        "resource": res, "scope": ss.scope.name,
                        "trace_id": sp.trace_id.hex(), "span_id": sp.span_id.hex(),
                        "parent_span_id": sp.parent_span_id.hex(), "name": sp.name, "kind": sp.kind,
                        "start": sp.start_time_unix_nano, "end": sp.end_time_unix_nano,
                        "attributes": attrs(sp.attributes),
                        "status": {"code": sp.status.code, "message": sp.status.message},
                    })
        with open(self.server.log, "a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
        out = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode-file", required=True)
    ap.add_argument("--record-headers", default="")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.log = a.log
    srv.mode_file = a.mode_file
    srv.record_headers = [h for h in a.record_headers.split(",") if h]
    sys.stdout.write("listening\n")
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
