#!/usr/bin/env python3
"""A raw FastCGI client for the attack tests: talks to the program's socket
directly, the way anyone who can reach it could, bypassing nginx.

  fcgi_client.py request HOST:PORT [--source ADDR] [--param NAME=VALUE]...
                 [--body TEXT] [--send-body-bytes N] [--timeout S]
      sends one request (FCGI_RESPONDER) and prints "STATUS <code> <seconds>"
      and the body, or "CLOSED <seconds>" when the program closed the
      connection without an answer, or "TIMEOUT <seconds>".  VALUEs take
      Python escapes (\\r\\n).  --send-body-bytes N sends only N bytes of the
      body and never the end of the input (a body that stalls).
  fcgi_client.py stall HOST:PORT BYTES SECONDS
      connects, sends the first BYTES bytes of a record header and waits;
      prints "CLOSED <seconds>" when the program hangs up first, else "HELD".
"""
import argparse
import socket
import struct
import sys
import time

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, content=b""):
    pad = (-len(content)) % 8
    return struct.pack(">BBHHBB", 1, kind, 1, len(content), pad, 0) + content + b"\0" * pad


def name_value(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def connect(address, source, timeout):
    host, port = address.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    s.settimeout(timeout)
    s.connect((host, int(port)))
    return s


def read_answer(s):
    out, data = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return out, False
        data += chunk
        while len(data) >= 8:
            _, kind, _, length, pad, _ = struct.unpack(">BBHHBB", data[:8])
            if len(data) < 8 + length + pad:
                break
            if kind == STDOUT:
                out += data[8:8 + length]
            if kind == END_REQUEST:
                return out, True
            data = data[8 + length + pad:]


def request(args):
    params = []
    for p in args.param:
        name, _, value = p.partition("=")
        value = value.encode("latin-1").decode("unicode_escape").encode("latin-1")
        params.append(name_value(name.encode(), value))
    body = args.body.encode()
    start = time.monotonic()
    s = connect(args.address, args.source, args.timeout)
    msg = record(BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))
    blob = b"".join(params)
    for i in range(0, len(blob), 65535):
        msg += record(PARAMS, blob[i:i + 65535])
    msg += record(PARAMS)
    if args.send_body_bytes is None:
        if body:
            msg += record(STDIN, body)
        msg += record(STDIN)
    elif args.send_body_bytes:
        msg += record(STDIN, body[:args.send_body_bytes])
    try:
        s.sendall(msg)
        out, complete = read_answer(s)
    except socket.timeout:
        print("TIMEOUT %.2f" % (time.monotonic() - start))
        return
    except OSError:
        out, complete = b"", False
    elapsed = time.monotonic() - start
    if not out:
        print("CLOSED %.2f" % elapsed)
        return
    head, _, text = out.partition(b"\r\n\r\n")
    status = "200"
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = line.split()[1].decode()
    print("STATUS %s %.2f" % (status, elapsed))
    sys.stdout.write(text.decode("utf-8", "replace") + "\n")


def stall(args):
    start = time.monotonic()
    s = connect(args.address, None, args.seconds)
    s.sendall(record(BEGIN_REQUEST, struct.pack(">HB5x", 1, 0))[:args.bytes])
    try:
        if s.recv(1) == b"":
            print("CLOSED %.2f" % (time.monotonic() - start))
            return
    except socket.timeout:
        pass
    except OSError:
        print("CLOSED %.2f" % (time.monotonic() - start))
        return
    print("HELD")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("request")
    r.add_argument("address")
    r.add_argument("--source")
    r.add_argument("--param", action="append", default=[])
    r.add_argument("--body", default="")
    r.add_argument("--send-body-bytes", type=int)
    r.add_argument("--timeout", type=float, default=20)
    st = sub.add_parser("stall")
    st.add_argument("address")
    st.add_argument("bytes", type=int)
    st.add_argument("seconds", type=float)
    args = ap.parse_args()
    request(args) if args.cmd == "request" else stall(args)


if __name__ == "__main__":
    main()
