#!/usr/bin/env python3
"""Assemble testdata/corpus2 from git mirrors of public repositories.

Every certificate, CSR and CRL is written as one file: the original DER
file unchanged (.der), or the PEM block re-labelled to the standard label
(CERTIFICATE, CERTIFICATE REQUEST, X509 CRL) when the source file holds
other blocks too (.pem). Identical objects (same DER) are kept once.
Sampling is by sorted path, deterministic, as given per group.
"""
import base64, hashlib, os, re, subprocess, sys

OUT = sys.argv[1]
MAXSIZE = 64 * 1024  # objects larger than this are left out (budget)
seen = set()
stats = {}

def git_show(repo, commit, path):
    return subprocess.run(["git", "--git-dir", repo, "show", f"{commit}:{path}"], capture_output=True, check=True).stdout

def git_ls(repo, commit, under):
    r = subprocess.run(["git", "--git-dir", repo, "ls-tree", "-r", "--name-only", commit, under], capture_output=True, check=True, text=True)
    return sorted(r.stdout.split())

PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 _]+)-----\r?\n(.*?)-----END \1-----", re.S)
LABELS = {b"CERTIFICATE": "CERTIFICATE", b"CA CERTIFICATE": "CERTIFICATE", b"CA CERTIFICATE 2": "CERTIFICATE",
          b"X509 CRL": "X509 CRL", b"CRL": "X509 CRL", b"CERTIFICATE REQUEST": "CERTIFICATE REQUEST",
          b"NEW CERTIFICATE REQUEST": "CERTIFICATE REQUEST", b"TRUSTED CERTIFICATE": None}

def name_of(path):
    return re.sub(r"[^A-Za-z0-9._-]", "_", path)

def put(group, name, der, label=None, raw=None):
    if len(der) > MAXSIZE:
        stats.setdefault(group, [0, 0, 0])[2] += 1
        return
    h = hashlib.sha256(der).hexdigest()
    if h in seen:
        stats.setdefault(group, [0, 0, 0])[1] += 1
        return
    seen.add(h)
    os.makedirs(os.path.join(OUT, group), exist_ok=True)
    assert not os.path.exists(os.path.join(OUT, group, name)), name
    if label is None:
        with open(os.path.join(OUT, group, name), "wb") as f:
            f.write(der)
    else:
        b64 = base64.b64encode(der).decode()
        body = "\n".join(b64[i:i+64] for i in range(0, len(b64), 64))
        with open(os.path.join(OUT, group, name), "w") as f:
            f.write(f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    stats.setdefault(group, [0, 0, 0])[0] += 1

def tlv(b):
    """(tag byte, content, rest) of the first DER element of b, or None."""
    if len(b) < 2:
        return None
    n, i = b[1], 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[2:2 + k], "big")
        i = 2 + k
    return (b[0], b[i:i + n], b[i + n:]) if i + n <= len(b) else None

def is_encrypted_pkcs8(der):
    """EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier, OCTET STRING }."""
    top = tlv(der)
    if not top or top[0] != 0x30:
        return False
    a = tlv(top[1])
    b = a and tlv(a[2])
    return bool(a and b and a[0] == 0x30 and b[0] == 0x04 and not b[2])

def is_key(der):
    """A DER public or private key (not a certificate, CSR or CRL): left out."""
    if is_encrypted_pkcs8(der):
        return True
    for args in (["pkey", "-pubin"], ["pkey"]):
        r = subprocess.run(["openssl"] + args + ["-inform", "DER", "-noout"], input=der, capture_output=True)
        if r.returncode == 0:
            return True
    return False

def take(group, repo, commit, paths, every=1):
    for i, p in enumerate(paths):
        if i % every:
            continue
        data = git_show(repo, commit, p)
        base = name_of(p)
        if b"-----BEGIN " in data:
            n = 0
            for m in PEM_RE.finditer(data):
                lab = LABELS.get(m.group(1))
                if not lab:
                    continue
                try:
                    der = base64.b64decode(re.sub(rb"\s", b"", m.group(2)))
                except Exception:
                    continue
                n += 1
                put(group, f"{base}.{n}.pem", der, lab)
        elif data[:1] == b"\x30" and not is_key(data):
            put(group, base if base.endswith(".der") else base + ".der", data)

B = "/work/.mirror/google+boringssl/repo"; BC = "a0689af29e8e460f1e5380e0fb74cef1b342e810"
W = "/work/.mirror/rustls+webpki/repo"; WC = "1bff41a41a014f61aa85802872c08410e6b7bb84"
Z = "/work/.mirror/zmap+zcrypto/repo"; ZC = "66a5ac2578f3cbb0eb9c6258455a73ff45e3ac04"
ext = re.compile(r"\.(pem|der|crt|crl|csr|cer|test)$")
def sel(repo, c, under, pat=ext):
    return [p for p in git_ls(repo, c, under) if pat.search(p)]

take("boringssl-x509", B, BC, sel(B, BC, "crypto/x509/test"))
take("boringssl-pki", B, BC, sel(B, BC, "pki/testdata/parse_certificate_unittest"))
take("boringssl-pki", B, BC, sel(B, BC, "pki/testdata/crl_unittest"))
take("boringssl-pki", B, BC, sel(B, BC, "pki/testdata/verify_certificate_chain_unittest"), every=3)
take("boringssl-pki", B, BC, sel(B, BC, "pki/testdata/path_builder_unittest"), every=2)
take("boringssl-pkits-crls", B, BC, sel(B, BC, "pki/testdata/nist-pkits/crls"), every=2)
take("webpki", W, WC, sel(W, WC, "tests"))
take("webpki", W, WC, sel(W, WC, "third-party"))
take("zcrypto", Z, ZC, sel(Z, ZC, "x509/testdata"))
M = "/work/.mirror/Mbed-TLS+mbedtls-framework/repo"; MC = "a3079552234917a9831dd70693983af5e62c70de"
C = "/work/.mirror/google+certificate-transparency-go/repo"; CC = "56578481e43140e9df5b58cf28a41752e2391956"
mext = re.compile(r"\.(pem|der|crt|crl|csr|req)$")
take("mbedtls", M, MC, [p for p in sel(M, MC, "data_files", mext) if "/dir" not in p])
take("ct-go", C, CC, sel(C, CC, "x509"))
for extra in sys.argv[2:]:
    group, d = extra.split("=", 1)
    for root, _, files in sorted(os.walk(d)):
        for f in sorted(files):
            data = open(os.path.join(root, f), "rb").read()
            base = ext.sub("", f)
            if b"-----BEGIN " in data:
                n = 0
                for m in PEM_RE.finditer(data):
                    lab = LABELS.get(m.group(1))
                    if lab:
                        n += 1
                        put(group, f"{base}.{n}.pem", base64.b64decode(re.sub(rb"\s", b"", m.group(2))), lab)
            else:
                put(group, base if base.endswith(".der") else base + ".der", data)
for g, (n, dup, big) in sorted(stats.items()):
    print(f"{g}: {n} objects, {dup} duplicates dropped, {big} over {MAXSIZE} bytes left out")
