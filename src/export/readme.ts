import { tagValue } from './tag-files';
import type { BagRequest } from './types';

/**
 * data/README.txt: what the bag is and how a person checks it with ordinary tools (coreutils,
 * OpenSSL) and with `strongroom verify bag`. Written before the records stream, so it holds no
 * counts (bag-info.txt and index.html have them).
 */
export function readmeTxt(request: BagRequest, sourceOrganization: string, baggedAt: Date): string {
  const id = request.exportId;
  const v = (s: string): string => tagValue(s);
  return `RECORDS PRODUCED FOR A REGULATORY REQUEST
==========================================

Export:        ${id}
Request:       ${v(request.reference)}
Recipient:     ${v(request.recipient.name)}, ${v(request.recipient.organisation)}
Produced by:   ${v(sourceOrganization)}
Bagging date:  ${baggedAt.toISOString().slice(0, 10)}

This folder is a BagIt 1.0 bag (RFC 8493). Open data/index.html in a web browser to read the
records (it works offline, from this folder), or data/index.csv in a spreadsheet.

WHAT IS HERE
  bagit.txt, bag-info.txt        the bag's declaration and its facts (counts, request, Payload-Oxum)
  manifest-sha256.txt            SHA-256 of every file under data/
  manifest-sha512.txt            SHA-512 of every file under data/
  tagmanifest-sha256.txt         SHA-256 of the four files above
  data/records/...               each record's stored bytes, exactly as archived, under its key
  data/index.html, index.csv     the index of the records
  data/audit/events.ndjson, .csv the audit trail of these records
  data/evidence/checkpoint.txt   the signed checkpoint of the archive's ledger (a Merkle log)
  data/evidence/verifier-key.txt the ledger's public key
  data/evidence/proofs/<record id>.tlog-proof
                                 for each record, the proof that it is in the ledger

1. THE FILES ARE COMPLETE AND UNCHANGED
From inside this folder (the one holding bagit.txt):

    sha256sum -c manifest-sha256.txt
    sha512sum -c manifest-sha512.txt
    sha256sum -c tagmanifest-sha256.txt

Every line must say OK. No file may be missing, and none added: the number of files under data/
must equal the number of lines of each manifest, and their total size the first number of
Payload-Oxum in bag-info.txt (bytes.files):

    find data -type f | wc -l;  wc -l < manifest-sha256.txt
    find data -type f -exec cat {} + | wc -c

(macOS: shasum -a 256 -c, shasum -a 512 -c. Windows PowerShell: Get-FileHash -Algorithm SHA256.)
Any BagIt validator does the same, e.g. bagit-python: bagit.py --validate <this folder>

2. EACH RECORD IS IN THE LEDGER
The archive keeps one Merkle log (RFC 9162 hashing) over every record it ever stored. A record's
leaf is the text

    strongroom-leaf-v1 LF record LF <record id> LF <SHA-256 of the record's file, hex> LF

and its leaf hash is SHA-256 of a 0x00 byte followed by that text:

    printf 'strongroom-leaf-v1\\nrecord\\n%s\\n%s\\n' "$ID" "$(sha256sum < "$FILE" | cut -c1-64)" > leaf.bin
    { printf '\\0'; cat leaf.bin; } | sha256sum

The record's proof, data/evidence/proofs/<record id>.tlog-proof, is a C2SP tlog-proof
(c2sp.org/tlog-proof): the line "c2sp.org/tlog-proof@v1", "index <leaf index>", the inclusion proof
(one base64 SHA-256 hash a line), a blank line, then the checkpoint. Combining the leaf hash with
the proof hashes as RFC 9162 section 2.1.3.2 says (each step SHA-256(0x01 || left || right)) must
give the root hash on the checkpoint's third line, and that checkpoint must be the one in
data/evidence/checkpoint.txt. Go's golang.org/x/mod/sumdb/tlog (CheckRecord) does this step.

3. THE CHECKPOINT IS SIGNED BY THE ARCHIVE
checkpoint.txt is a C2SP signed note (c2sp.org/signed-note): a body (origin, tree size, base64 root
hash, one a line), a blank line, and signature lines "<em dash> <key name> <base64 signature>".
Compare data/evidence/verifier-key.txt with the key the archive publishes: a key that only came
with the bag proves nothing. For an Ed25519 key (its decoded third field starts with byte 01):

    KEY=$(cat data/evidence/verifier-key.txt)
    { printf '\\x30\\x2a\\x30\\x05\\x06\\x03\\x2b\\x65\\x70\\x03\\x21\\x00'
      printf '%s' "$KEY" | cut -d+ -f3- | base64 -d | tail -c 32; } > key.der
    openssl pkey -pubin -inform DER -in key.der -out key.pem
    awk 'NF == 0 { exit } { print }' data/evidence/checkpoint.txt > body.txt
    grep "^— \${KEY%%+*} " data/evidence/checkpoint.txt | head -n 1 | cut -d' ' -f3 | base64 -d | tail -c 64 > sig.bin
    openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in body.txt -sigfile sig.bin

It must print "Signature Verified Successfully". Go's golang.org/x/mod/sumdb/note verifies it too.

4. ALL OF THE ABOVE IN ONE COMMAND
With the archive's command line (no account or network needed):

    strongroom verify bag ${id}.zip --key "<the archive's published verifier key>"
    strongroom verify bag <this folder> --key-file key.txt

It checks bagit.txt, both manifests, the tag manifest, Payload-Oxum, that no file is missing or
added, every record's proof against the checkpoint and the checkpoint's signature, prints a
verdict naming each problem, and exits 0 when the bag verifies, 4 when it does not.

THE AUDIT TRAIL
data/audit/events.ndjson holds one audit event a line, as the archive hash-chains them: an event's
"hash" is the SHA-256 of the JSON array ["strongroom-audit-v1", seq, eventId, at, principalId,
action, target, outcome, ip, requestId, details, prevHash] written without spaces (details is the
stored JSON text, as a string); "prevHash" is the hash of the event before it in the archive's
whole trail (the events here are those about these records, so their seqs may have gaps).
data/audit/events.csv is the same for spreadsheets.
`;
}
