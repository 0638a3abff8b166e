#!/usr/bin/env bash
# Side-by-side timing of pkibench against the tools people use instead
# (openssl, easy-rsa, cfssl), in the same run on the same machine.
#
# Usage: bash bench/compare.sh [N] [OUT]
#   N    certificates per tool (default 100)
#   OUT  the markdown tables BENCHMARKS.md quotes (default bench/compare.md)
#   MATRIX=n (environment) client identities for the `probe --matrix` block
#        (default 10000, on; creating them adds about 10-20 s); MATRIX=0 skips it
#
# Like .ci/run, it installs what is missing with apt-get (openssl, easy-rsa,
# golang-cfssl; hyperfine when the package exists), as root or through sudo.
# A tool that still cannot be had is reported in its row, never silently left out.
set -euo pipefail
N=${1:-100}
repo=$(cd "$(dirname "$0")/.." && pwd)
OUT=${2:-$repo/bench/compare.md}

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/share/easy-rsa/easyrsa ] || need+=(easy-rsa)
{ command -v cfssl >/dev/null 2>&1 && command -v cfssljson >/dev/null 2>&1; } || need+=(golang-cfssl)
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}" >&2
  $SUDO apt-get update >&2 || true
  for p in "${need[@]}"; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "$p" >&2 || echo "warning: apt-get could not install $p" >&2
  done
fi
command -v openssl >/dev/null 2>&1 || { echo "openssl is required" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
(cd "$repo" && go build -o "$work/pkibench" ./cmd/pkibench)
PB="$work/pkibench --store $work/pki"
# Everything below goes to the terminal and to OUT.
mkdir -p "$(dirname "$OUT")"
exec > >(tee "$OUT")

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { t = e - s; printf "%.2f s | %.2f ms | %.0f", t, 1000*t/n, n/t }'; }
row() { printf '| %s | %s |\n' "$1" "$2"; }
none() { printf '| %s | %s | | |\n' "$1" "$2"; }
ver() { "$@" 2>&1 | head -1 | tr -d '\r' || true; }

echo "<!-- written by bench/compare.sh $N; BENCHMARKS.md quotes it -->"
echo "Measured $(date -u +%F) on $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3), $(ver openssl version | cut -d' ' -f1-2); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
echo
echo "### Issuing $N ECDSA P-256 client certificates"
echo
echo "| tool | total | per certificate | certificates/s |"
echo "| --- | --- | --- | --- |"

$PB ca create abc >/dev/null 2>&1
names=$(seq -f "b%g" 1 "$N" | tr '\n' ' ')
s=$(now); $PB issue $names --ca abc --profile client >/dev/null; e=$(now)
row "\`pkibench issue\` one process, $N names, durable writes" "$(rate "$N" "$s" "$e")"

s=$(now); for i in $(seq 1 "$N"); do $PB issue "p$i" --ca abc --profile client >/dev/null; done; e=$(now)
row "\`pkibench issue\` one process per certificate" "$(rate "$N" "$s" "$e")"

mkdir -p ossl && cd ossl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=ca -days 3650 2>/dev/null
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > ext.cnf
s=$(now)
for i in $(seq 1 "$N"); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "c$i.key" 2>/dev/null
  openssl req -new -key "c$i.key" -subj "/CN=c$i" -out "c$i.csr" 2>/dev/null
  openssl x509 -req -in "c$i.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" -days 365 -extfile ext.cnf -out "c$i.crt" 2>/dev/null
done
e=$(now); cd ..
row "openssl genpkey + req + x509 -req (3 processes per certificate)" "$(rate "$N" "$s" "$e")"

if [ -x /usr/share/easy-rsa/easyrsa ]; then
  cp -r /usr/share/easy-rsa ersa && cd ersa
  export EASYRSA_BATCH=1 EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1
  ./easyrsa --batch init-pki >/dev/null 2>&1; EASYRSA_REQ_CN=ca ./easyrsa --batch build-ca nopass >/dev/null 2>&1
  s=$(now); for i in $(seq 1 "$N"); do ./easyrsa --batch build-client-full "c$i" nopass >/dev/null 2>&1 || { echo "easy-rsa failed" >&2; break; }; done; e=$(now)
  cd ..
  v=$(/usr/share/easy-rsa/easyrsa --version 2>/dev/null | grep -o 'Version: *[0-9][0-9.]*' | grep -o '[0-9][0-9.]*' || true)
  row "easy-rsa \`build-client-full\` ${v}" "$(rate "$N" "$s" "$e")"
else
  none "easy-rsa" "not installed (apt-get install easy-rsa failed)"
fi

if command -v cfssl >/dev/null && command -v cfssljson >/dev/null; then
  mkdir -p cf && cd cf
  echo '{"CN":"ca","key":{"algo":"ecdsa","size":256}}' | cfssl gencert -initca - 2>/dev/null | cfssljson -bare ca
  echo '{"signing":{"default":{"expiry":"8760h","usages":["digital signature","client auth"]}}}' > cfg.json
  s=$(now)
  for i in $(seq 1 "$N"); do
    echo "{\"CN\":\"c$i\",\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" | cfssl gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json - 2>/dev/null | cfssljson -bare "c$i"
  done
  e=$(now); cd ..
  row "cfssl gencert \\| cfssljson (per certificate, no fsync)" "$(rate "$N" "$s" "$e")"
else
  none "cfssl" "not installed (apt-get install golang-cfssl failed)"
fi

echo
echo "### CRL of 100,000 revoked certificates, same index.txt"
echo
echo "Each tool three times, alternating, on the same index (the median, and the range)."
echo
echo "| tool | time |"
echo "| --- | --- |"
$PB ca create big >/dev/null 2>&1
idx="$work/pki/cas/big/index.txt"
awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "R\t371122093714Z\t261122093714Z,keyCompromise\t%032X\tunknown\t/CN=c%d\n", i, i }' > "$idx"
cat > big.cnf <<CNF
[ca]
default_ca = d
[d]
dir = $work/pki/cas/big
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_crl_days = 7
CNF
# Both tools start with the index on disk (not dirty pages awk just left).
sync
msof() { awk -v s="$1" -v e="$2" 'BEGIN{printf "%.0f", 1000*(e-s)}'; }
median3() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{printf "%d ms (%d-%d)", v[2], v[1], v[3]}'; }
t_pb=""; t_os=""
for i in 1 2 3; do
  s=$(now); $PB crl big >/dev/null; e=$(now); t_pb="$t_pb $(msof "$s" "$e")"
  s=$(now); openssl ca -gencrl -config big.cnf -out big-openssl.crl 2>/dev/null; e=$(now); t_os="$t_os $(msof "$s" "$e")"
done
row "pkibench crl (100,000 entries)" "$(echo "$t_pb" | median3)"
row "openssl ca -gencrl (same index.txt)" "$(echo "$t_os" | median3)"

echo
echo "### Listing"
echo
echo "| command | time |"
echo "| --- | --- |"
awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "V\t371122093714Z\t\t%032X\tcerts/l%d\t/CN=l%d\n", i, i, i }' > "$work/pki/cas/big/index.txt"
s=$(now); $PB list >/dev/null; e=$(now)
row "pkibench list (100,000 certificates, whole process)" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.0f ms", 1000*(e-s)}')"
s=$(now); $PB list --json >/dev/null; e=$(now)
row "pkibench list --json (100,000)" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.0f ms", 1000*(e-s)}')"
# ca list: the index above was written behind pkibench's back, so its
# counts summary (index.counts) is stale and every CA's index is counted;
# the next pkibench write into the CA brings the summary up to date.
# Means of 10 runs (one run is a few milliseconds).
s=$(now); for i in $(seq 1 10); do $PB ca list >/dev/null 2>&1; done; e=$(now)
row "pkibench ca list (100,000, index changed outside pkibench: counted; mean of 10)" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.1f ms", 1000*(e-s)/10}')"
$PB issue l0 --ca big --profile client >/dev/null 2>&1
s=$(now); for i in $(seq 1 10); do $PB ca list >/dev/null 2>&1; done; e=$(now)
row "pkibench ca list (100,000, counts kept with the index; mean of 10)" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.1f ms", 1000*(e-s)/10}')"

echo
echo "### One probe as a whole process"
echo
$PB issue srv --ca abc --dns localhost >/dev/null
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 --export-markdown probe.md -n "pkibench probe --client b1 --server srv" "$work/pkibench --store $work/pki probe --client b1 --server srv" >/dev/null 2>&1 || true
  cat probe.md
else
  echo "| command | mean |"
  echo "| --- | --- |"
  s=$(now); for i in $(seq 1 20); do $PB probe --client b1 --server srv >/dev/null; done; e=$(now)
  row "pkibench probe (mean of 20)" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.1f ms", 1000*(e-s)/20}')"
fi

echo
echo "### Revoke one certificate, whole process (issue 19)"
echo
# Five revocations of different certificates in each CA, one process each;
# the median and the range. rbig's index is 100,000 lines with serials
# padded to 32 digits, as other tools write them (6.9 MB).
ms() { awk -v s="$1" -v e="$2" 'BEGIN{printf "%.1f", 1000*(e-s)}'; }
med() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END{printf "%.1f ms (%.1f-%.1f)", v[int((NR+1)/2)], v[1], v[NR]}'; }
$PB ca create rsmall >/dev/null 2>&1
$PB issue $(seq -f "rs%g" 1 100) --ca rsmall --profile client >/dev/null
$PB ca create rbig >/dev/null 2>&1
awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "V\t371122093714Z\t\t%032X\tunknown\t/CN=c%d\n", i, i }' > "$work/pki/cas/rbig/index.txt"
sync
t_small=""; t_big=""
for i in 1 2 3 4 5; do
  s=$(now); $PB revoke "rs$((i * 17))" >/dev/null; e=$(now); t_small="$t_small $(ms "$s" "$e")"
  s=$(now); $PB revoke "rbig/$(printf %X $((i * 19997)))" >/dev/null; e=$(now); t_big="$t_big $(ms "$s" "$e")"
done
echo "| command | median (range) of 5 |"
echo "| --- | --- |"
row "pkibench revoke, CA of 100" "$(echo "$t_small" | med)"
row "pkibench revoke, CA of 100,000 (6.9 MB index)" "$(echo "$t_big" | med)"
s=$(now); dd if=/dev/zero of="$work/dd.bin" bs=1M count=7 conv=fsync 2>/dev/null; e=$(now); rm -f "$work/dd.bin"
row "floor: dd 7 MB with fsync on the same filesystem" "$(ms "$s" "$e") ms"

echo
echo "### First and second issue batch of 1,000 into a new store (issue 19)"
echo
# The same command twice into a store made just before; the filesystem
# type is given because ext4 without a journal skips inodes deleted in the
# last minute (recently_deleted), which makes any batch slower after a
# large delete (see BENCHMARKS.md).
ib="$work/ib/pki"
$work/pkibench --store "$ib" ca create abc >/dev/null 2>&1
sync
s=$(now); $work/pkibench --store "$ib" issue $(seq -f "f%g" 1 1000) --ca abc --profile client >/dev/null; e=$(now); first=$(ms "$s" "$e")
s=$(now); $work/pkibench --store "$ib" issue $(seq -f "g%g" 1 1000) --ca abc --profile client >/dev/null; e=$(now); second=$(ms "$s" "$e")
fstype=$(df -T "$work" | awk 'NR == 2 { print $2 }')
echo "| batch ($fstype at $work) | time |"
echo "| --- | --- |"
row "first batch of 1,000 into the new store" "$first ms"
row "second batch of 1,000" "$second ms ($(awk -v a="$first" -v b="$second" 'BEGIN{printf "first/second %.2f", a/b}'))"

echo
echo "### Inspecting a CRL of 300,000 entries (whole process, output to /dev/null)"
echo
# The CRL pkibench publishes from an index of 300,000 revoked certificates
# (16-byte serials, reason keyCompromise): 14.6 MB of PEM, 52 MB of text.
# Peak RSS is GNU time's maximum resident set size.
echo "| command | time | peak RSS |"
echo "| --- | --- | --- |"
$PB ca create big300k >/dev/null 2>&1
awk 'BEGIN { for (i = 1; i <= 300000; i++) printf "R\t371122093714Z\t261122093714Z,keyCompromise\t%032X\tunknown\t/CN=c%d\n", i, i }' > "$work/pki/cas/big300k/index.txt"
$PB crl big300k >/dev/null
crl300k="$work/pki/cas/big300k/crl.pem"
peak() {
  local label=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >/dev/null 2>&1 || true
    read -r t kb < "$work/time.out"
    printf '| %s | %.2f s | %.0f MB |\n' "$label" "$t" "$(awk -v k="$kb" 'BEGIN{print k/1024}')"
  else
    s=$(now); "$@" >/dev/null 2>&1 || true; e=$(now)
    printf '| %s | %s | (no /usr/bin/time) |\n' "$label" "$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f s", e-s}')"
  fi
}
peak "pkibench inspect (300,000 entries)" "$work/pkibench" --store "$work/pki" inspect "$crl300k"
peak "pkibench inspect --json (300,000 entries)" "$work/pkibench" --store "$work/pki" inspect --json "$crl300k"
peak "openssl crl -text -noout (same CRL)" openssl crl -text -noout -in "$crl300k"

echo
echo "### serve under load"
echo
# pkibench serve with the store's srv identity on 127.0.0.1 (a free port),
# driven by bench/serveload (Go TLS clients with b1's certificate): 10,000
# handshakes one client at a time, from 64 clients at once, and from 10,000
# clients at once that each keep the connection idle after the handshake
# until serve closes it. Peak RSS is serve's VmHWM from /proc.
(cd "$repo" && go build -o "$work/serveload" ./bench/serveload)
SN=${SERVE_N:-10000}
serve_row() { # label, serveload flags...
  local label=$1; shift
  : > serve.err
  $PB serve --server srv --listen 127.0.0.1:0 >/dev/null 2>>serve.err &
  local pid=$! port="" i
  for i in $(seq 1 100); do
    port=$(sed -n 's|.*https://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' serve.err 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    kill "$pid" 2>/dev/null || true
    printf '| %s | serve did not start: %s | | |\n' "$label" "$(tr '\n' ' ' < serve.err)"
    return
  fi
  local res
  res=$("$work/serveload" -addr "127.0.0.1:$port" -cert "$work/pki/certs/b1/cert.pem" -key "$work/pki/certs/b1/key.pem" -ca "$work/pki/cas/abc/ca.crt" "$@" 2>serveload.err || true)
  local hwm
  hwm=$(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")
  kill -INT "$pid"; wait "$pid" || true
  printf '| %s | %s | %s | %s |\n' "$label" \
    "$(echo "$res" | sed -n 's/.*handshakes=\([0-9]*\) failed=\([0-9]*\).*/\1 ok, \2 failed/p')$(sed -n 's/^serveload: first failure: \(.*\)/ (first: \1)/p' serveload.err | tr '|' '/')" \
    "$(echo "$res" | sed -n 's/.*handshakes_per_s=\([0-9]*\).*/\1/p')" "$hwm"
}
echo "| load ($SN handshakes) | handshakes | handshakes/s | serve peak RSS |"
echo "| --- | --- | --- | --- |"
serve_row "one client at a time (handshake, GET, answer)" -n "$SN" -c 1
serve_row "64 clients at once" -n "$SN" -c 64
serve_row "$SN clients at once, each held idle until serve closes it" -n "$SN" -c "$SN" -hold

# probe --matrix (issue 19): MATRIX client identities of one CA against one
# server, the whole process: wall time, CPU and peak RSS (GNU time).
MATRIX=${MATRIX:-10000}
if [ "$MATRIX" -gt 0 ]; then
  echo
  echo "### probe --matrix: $MATRIX client identities against one server, whole process"
  echo
  $PB ca create mx >/dev/null 2>&1
  $PB issue mxsrv --ca mx --profile server --dns localhost >/dev/null
  for b in $(seq 0 1000 $((MATRIX - 1))); do
    $PB issue $(seq -f "m%g" $((b + 1)) $((b + 1000 < MATRIX ? b + 1000 : MATRIX))) --ca mx --profile client >/dev/null
  done
  echo "| command | wall | CPU (user + sys) | peak RSS | handshakes/s |"
  echo "| --- | --- | --- | --- | --- |"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %U %S %M' -o matrix.time $PB probe --matrix --ca mx --server mxsrv >matrix.out || true
    read -r wall usr sys rss < matrix.time
  else
    s=$(now); $PB probe --matrix --ca mx --server mxsrv >matrix.out || true; e=$(now)
    wall=$(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.2f", e-s}'); usr=""; sys=""; rss=""
  fi
  rows=$(($(wc -l < matrix.out) - 1))
  [ "$rows" -eq "$MATRIX" ] || echo "warning: the matrix printed $rows rows for $MATRIX clients" >&2
  awk -v n="$MATRIX" -v w="$wall" -v u="$usr" -v s="$sys" -v m="$rss" 'BEGIN {
    cpu = (u == "") ? "not measured (no /usr/bin/time)" : sprintf("%.1f s", u + s)
    mem = (m == "") ? "not measured" : sprintf("%.0f MB", m / 1024)
    printf "| `pkibench probe --matrix --ca mx --server mxsrv` (%d clients) | %.1f s | %s | %s | %.0f |\n", n, w, cpu, mem, n / w }'
  echo
  echo "Load average after the matrix: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
fi
