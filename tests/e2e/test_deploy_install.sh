#!/usr/bin/env bash
# `make install` / `make uninstall` into a staging DESTDIR, and what a user
# does with the result:
#   - every file lands where a Debian admin looks for it, with its mode; the
#     environment file is 0600 and a second install keeps the admin's copy;
#   - the installed units name the installed program and pass systemd-analyze;
#   - an app of one's own (tests/apps/slow_app.c, outside functions/) builds
#     against the installed header and library with pkg-config, shared and
#     static, and serves a call behind nginx;
#   - the example nginx site passes `nginx -t` with the installed snippet;
#   - uninstall leaves nothing but the environment file.
set -euo pipefail
# shellcheck source=tests/lib/nginx.sh
source "$(dirname "$0")/../lib/nginx.sh"
# shellcheck source=tests/lib/deploy.sh
source "$(dirname "$0")/../lib/deploy.sh"
e2e_init
e2e_require_tools make cc pkg-config nm systemd-analyze

stage=$E2E_DIR/stage
p=$stage/usr/local

# ---- install -------------------------------------------------------------------
if make -C "$E2E_ROOT" --no-print-directory install DESTDIR="$stage" PREFIX=/usr/local >"$E2E_DIR/install.log" 2>&1; then
	pass "make install DESTDIR=… PREFIX=/usr/local"
else
	tail -n 30 "$E2E_DIR/install.log" >&2
	abort "make install DESTDIR=… PREFIX=/usr/local"
fi

expected="644 etc/inngest-fcgi/inngest-fcgi.env.example
600 etc/inngest-fcgi/inngest-fcgi.env
644 etc/nginx/snippets/inngest-fcgi.conf
644 usr/local/include/inngest-fcgi/inngest.h
644 usr/local/lib/libinngest-fcgi-main.a
644 usr/local/lib/libinngest-fcgi.a
755 usr/local/lib/libinngest-fcgi.so.0.1.0
644 usr/local/lib/pkgconfig/inngest-fcgi-static.pc
644 usr/local/lib/pkgconfig/inngest-fcgi.pc
644 usr/local/lib/systemd/system/inngest-fcgi.service
644 usr/local/lib/systemd/system/inngest-fcgi.socket
644 usr/local/lib/systemd/system/inngest-fcgi@.service
644 usr/local/lib/systemd/system/inngest-fcgi@.socket
755 usr/local/sbin/inngest-fcgi
755 usr/local/sbin/inngest-fcgi-conformance
755 usr/local/sbin/inngest-fcgi-spawn
644 usr/local/share/doc/inngest-fcgi/README.md
644 usr/local/share/doc/inngest-fcgi/examples/nginx-site.conf"
expect_eq "installed files and modes" "$(sort -k2 <<<"$expected")" \
	"$(cd "$stage" && find . -type f -printf '%m %P\n' | sort -k2)"
expect_eq "shared library links" "libinngest-fcgi.so -> libinngest-fcgi.so.0|libinngest-fcgi.so.0 -> libinngest-fcgi.so.0.1.0" \
	"$(cd "$p/lib" && find . -type l -printf '%P -> %l\n' | sort | paste -sd'|')"
expect_eq "the secrets' directory is root's only" 700 "$(stat -c %a "$stage/etc/inngest-fcgi")"
expect_eq "the installed program runs" "inngest-fcgi 0.1.0" "$("$p/sbin/inngest-fcgi" --version)"
# nm's own errors go into the pipe: an nm that cannot read the file (or is
# missing) must not pass as "no sanitizer symbol"
expect_match "the installed program is the release build (no sanitizer)" '^$' \
	"$(nm -D "$p/sbin/inngest-fcgi" 2>&1 | grep -m1 -e __asan_init -e 'nm:' -e 'not found' || true)"

echo "INNGEST_APP_ID=mine" >>"$stage/etc/inngest-fcgi/inngest-fcgi.env"
make -C "$E2E_ROOT" --no-print-directory install DESTDIR="$stage" PREFIX=/usr/local >"$E2E_DIR/install2.log" 2>&1 ||
	fail "make install a second time"
expect_eq "a second install keeps the admin's environment file" "INNGEST_APP_ID=mine" \
	"$(tail -n 1 "$stage/etc/inngest-fcgi/inngest-fcgi.env")"

# ---- the installed units -------------------------------------------------------
# shellcheck disable=SC2016  # the unit's own ${…}, expanded by systemd
expect_eq "the service runs the installed program on the socket" \
	'ExecStart=/usr/local/sbin/inngest-fcgi --workers ${INNGEST_FCGI_WORKERS} --max-requests ${INNGEST_FCGI_MAX_REQUESTS}' \
	"$(grep '^ExecStart=' "$p/lib/systemd/system/inngest-fcgi.service")"
expect_eq "the service reads the installed environment file" \
	"EnvironmentFile=/etc/inngest-fcgi/inngest-fcgi.env" \
	"$(grep '^EnvironmentFile=' "$p/lib/systemd/system/inngest-fcgi.service")"
units=$E2E_DIR/units
mkdir -p "$units"
for u in "$p"/lib/systemd/system/*; do
	sed "s|/usr/local/sbin/|$p/sbin/|" "$u" >"$units/$(basename "$u")"
done
out=$( (cd "$units" && systemd-analyze verify ./inngest-fcgi.socket ./inngest-fcgi.service \
	./inngest-fcgi@preview.socket ./inngest-fcgi@preview.service) 2>&1) && rc=0 || rc=$?
expect_eq "systemd-analyze verify: the installed units" "0:" "$rc:$out"

# ---- an app of one's own, against the installed library -------------------------
export PKG_CONFIG_PATH=$p/lib/pkgconfig
src=$E2E_ROOT/tests/apps/slow_app.c
# shellcheck disable=SC2046  # pkg-config prints a list of flags
if cc -std=c11 -o "$E2E_DIR/myapp" "$src" $(PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --cflags --libs inngest-fcgi) \
	2>"$E2E_DIR/cc.log"; then
	pass "cc myapp.c \$(pkg-config --cflags --libs inngest-fcgi)"
else
	cat "$E2E_DIR/cc.log" >&2
	fail "cc myapp.c \$(pkg-config --cflags --libs inngest-fcgi)"
fi
expect_match "the shared build uses the installed libinngest-fcgi.so.0" "libinngest-fcgi.so.0 => $p/lib/" \
	"$(LD_LIBRARY_PATH=$p/lib ldd "$E2E_DIR/myapp" 2>&1)"
# shellcheck disable=SC2046
if cc -std=c11 -o "$E2E_DIR/myapp-static" "$src" $(pkg-config --define-variable=libdir="$p/lib" \
	--define-variable=includedir="$p/include" --cflags --libs inngest-fcgi-static) 2>"$E2E_DIR/cc2.log"; then
	pass "cc myapp.c \$(pkg-config --cflags --libs inngest-fcgi-static)"
else
	cat "$E2E_DIR/cc2.log" >&2
	fail "cc myapp.c \$(pkg-config --cflags --libs inngest-fcgi-static)"
fi
# (ldd of a binary that was not built prints no libinngest either)
expect_eq "the static build needs no libinngest-fcgi at run time" "" \
	"$([[ -x $E2E_DIR/myapp-static ]] || echo 'no myapp-static'; ldd "$E2E_DIR/myapp-static" 2>&1 | grep libinngest || true)"
for b in myapp myapp-static; do
	ids=$(env -i LD_LIBRARY_PATH="$p/lib" INNGEST_DEV=1 "$E2E_DIR/$b" --check 2>/dev/null | jq -r '[.functions[].id] | join(" ")')
	expect_eq "$b --check: its own function table" deploy-test-slow-step "$ids"
	expect_eq "$b --version: the app's id and version, then the SDK's" "deploy-test 2.3.4 (inngest-fcgi 0.1.0)" \
		"$(env -i LD_LIBRARY_PATH="$p/lib" "$E2E_DIR/$b" --version)"
done

# ---- a staged PREFIX=/usr install, used through the .pc files alone ---------------
# The .pc files name their directories from ${prefix}, so both ways of pointing
# pkg-config at a staged tree work: PKG_CONFIG_SYSROOT_DIR (what a cross or
# staged build sets) and --define-variable=prefix=.
stage_usr=$E2E_DIR/stage-usr
if make -C "$E2E_ROOT" --no-print-directory install DESTDIR="$stage_usr" PREFIX=/usr >"$E2E_DIR/install-usr.log" 2>&1; then
	pass "make install DESTDIR=… PREFIX=/usr"
else
	tail -n 30 "$E2E_DIR/install-usr.log" >&2
	abort "make install DESTDIR=… PREFIX=/usr"
fi
expect_eq "the installed .pc files name libdir from \${prefix}" 'libdir=${prefix}/lib|libdir=${prefix}/lib' \
	"$(grep -h '^libdir=' "$stage_usr/usr/lib/pkgconfig/inngest-fcgi.pc" "$stage_usr/usr/lib/pkgconfig/inngest-fcgi-static.pc" | paste -sd'|')"
static_flags=$(PKG_CONFIG_PATH="$stage_usr/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR=$stage_usr \
	pkg-config --cflags --libs inngest-fcgi-static)
expect_match "PKG_CONFIG_SYSROOT_DIR: the static .pc names the staged archives" \
	"-I$stage_usr/usr/include/inngest-fcgi .*-L$stage_usr/usr/lib -l:libinngest-fcgi-main.a -l:libinngest-fcgi.a" \
	"$static_flags"
# shellcheck disable=SC2086  # pkg-config prints a list of flags
if cc -std=c11 -o "$E2E_DIR/myapp-sysroot" "$src" $static_flags 2>"$E2E_DIR/cc-sysroot.log"; then
	pass "cc myapp.c with PKG_CONFIG_SYSROOT_DIR and inngest-fcgi-static"
else
	cat "$E2E_DIR/cc-sysroot.log" >&2
	fail "cc myapp.c with PKG_CONFIG_SYSROOT_DIR and inngest-fcgi-static"
fi
expect_eq "the sysroot static build serves its own table" deploy-test-slow-step \
	"$(env -i INNGEST_DEV=1 "$E2E_DIR/myapp-sysroot" --check 2>/dev/null | jq -r '[.functions[].id] | join(" ")')"
expect_eq "the sysroot static build needs no libinngest-fcgi at run time" "" \
	"$(ldd "$E2E_DIR/myapp-sysroot" 2>&1 | grep libinngest || true)"
defined_flags=$(PKG_CONFIG_PATH="$stage_usr/usr/lib/pkgconfig" \
	pkg-config --define-variable=prefix="$stage_usr/usr" --cflags --libs inngest-fcgi)
expect_match "--define-variable=prefix= moves libdir and includedir" \
	"-I$stage_usr/usr/include/inngest-fcgi .*-L$stage_usr/usr/lib -linngest-fcgi-main -linngest-fcgi" "$defined_flags"
# shellcheck disable=SC2086
cc -std=c11 -o "$E2E_DIR/myapp-defined" "$src" $defined_flags 2>"$E2E_DIR/cc-defined.log" ||
	{ cat "$E2E_DIR/cc-defined.log" >&2; fail "cc myapp.c with --define-variable=prefix="; }
expect_eq "the --define-variable build runs on the staged library" deploy-test-slow-step \
	"$(env -i LD_LIBRARY_PATH="$stage_usr/usr/lib" INNGEST_DEV=1 "$E2E_DIR/myapp-defined" --check 2>/dev/null |
		jq -r '[.functions[].id] | join(" ")')"

# The app the README's deployment guide shows, exactly as printed there.
awk '/<!-- myapp.c/ { grab = 1; next } grab && /^```c$/ { inside = 1; next } inside && /^```$/ { exit } inside' \
	"$E2E_ROOT/README.md" >"$E2E_DIR/readme_app.c"
# shellcheck disable=SC2046
if [[ -s $E2E_DIR/readme_app.c ]] && cc -std=c11 -Wall -Wextra -Werror -o "$E2E_DIR/readme_app" "$E2E_DIR/readme_app.c" \
	$(PKG_CONFIG_SYSROOT_DIR=$stage pkg-config --cflags --libs inngest-fcgi) 2>"$E2E_DIR/cc3.log"; then
	pass "the README's myapp.c builds with the README's command (-Wall -Wextra -Werror)"
else
	cat "$E2E_DIR/cc3.log" >&2
	fail "the README's myapp.c builds with the README's command"
fi
expect_eq "the README's app: its function table" "myapp-hello" \
	"$(env -i LD_LIBRARY_PATH="$p/lib" INNGEST_DEV=1 "$E2E_DIR/readme_app" --check 2>/dev/null | jq -r '[.functions[].id] | join(" ")')"

dir=$E2E_DIR/myapp-run
app_port=$(free_port)
ngx_port=$(free_port)
app_start "$dir" "$E2E_DIR/myapp" "$app_port" LD_LIBRARY_PATH="$p/lib" INNGEST_DEV=1 || abort "myapp starts"
nginx_start "$dir" "$ngx_port" "127.0.0.1:$app_port" || abort "nginx starts"
body='{"ctx":{"attempt":0,"run_id":"01JRUN00000000000000000009","stack":{"current":0,"stack":[]}},"event":{"data":{"ms":0},"id":"01JEVT0000000000000000000A","name":"deploy/slow","ts":1700000000000},"events":[],"steps":{},"version":2}'
http POST "http://127.0.0.1:$ngx_port/api/inngest?fnId=deploy-test-slow-step&stepId=step" \
	-H 'Content-Type: application/json' --data-binary "$body"
expect_eq "myapp behind nginx: its step ran (206, the step's output)" '206 {"slept_ms":0}' \
	"$HTTP_STATUS $(jq -c '.[0].data' <<<"$HTTP_BODY" 2>/dev/null)"
expect_ok "myapp exits cleanly" app_stop "$dir"
nginx_stop "$dir"

# ---- the example nginx site ------------------------------------------------------
site=$E2E_DIR/site
mkdir -p "$site/snippets"
cp "$stage/etc/nginx/snippets/inngest-fcgi.conf" "$site/snippets/"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=app.example -days 2 \
	-keyout "$site/key.pem" -out "$site/cert.pem" >/dev/null 2>&1
sed -e "s|/etc/letsencrypt/live/app.example/fullchain.pem|$site/cert.pem|" \
	-e "s|/etc/letsencrypt/live/app.example/privkey.pem|$site/key.pem|" \
	"$p/share/doc/inngest-fcgi/examples/nginx-site.conf" >"$site/site.conf"
cat >"$site/nginx.conf" <<EOF
pid nginx.pid;
error_log error.log;
events {}
http { access_log off; include site.conf; }
EOF
out=$("$(nginx_bin)" -t -p "$site/" -c "$site/nginx.conf" -e "$site/error.log" 2>&1) && rc=0 || rc=$?
expect_eq "nginx -t: the example site with the installed snippet" 0 "$rc"
[[ $rc == 0 ]] || echo "$out" >&2

# ---- uninstall -------------------------------------------------------------------
make -C "$E2E_ROOT" --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr/local >"$E2E_DIR/uninstall.log" 2>&1 ||
	fail "make uninstall"
expect_eq "make uninstall leaves only the environment file (the admin's keys)" "etc/inngest-fcgi/inngest-fcgi.env" \
	"$(cd "$stage" && find . \( -type f -o -type l \) -printf '%P\n')"
expect_match "make uninstall says so" "kept .*inngest-fcgi.env" "$(cat "$E2E_DIR/uninstall.log")"

summary
