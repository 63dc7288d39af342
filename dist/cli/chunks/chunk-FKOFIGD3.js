import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
var e="policies/baseline.yaml",r=`# yaml-language-server: $schema=../schema/policy.schema.json
# certops baseline policy: sensible rules for every certificate. Copy and tighten it.
version: 1
description: certops baseline for all certificates
approvers: []
rules:
  # Keys: RSA at least 2048 bits, ECDSA on P-256 or P-384, or Ed25519.
  key-algorithm:
    severity: error
    allow:
      - { algorithm: RSA, minSize: 2048 }
      - { algorithm: ECDSA, sizes: [256, 384] }
      - { algorithm: Ed25519 }
  # A new key on every renewal limits what a leaked key can do.
  rotation-policy: { severity: warning, require: Always }
  # No certificate may live longer than 398 days, whoever issues it.
  max-duration: { severity: error, max: 398d }
  # Publicly trusted CAs: the CA/Browser Forum caps (200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15).
  cabf-validity: { severity: error }
  # The renewal window must be shorter than the lifetime and leave time for retries.
  renewal-window: { severity: error, minFraction: 0.3333 }
  # Each certificate has someone to tell when it fails.
  owners-required: { severity: warning }
  # A certificate that goes nowhere is probably a mistake.
  deploy-targets: { severity: notice, required: true }
  # Wildcards widen what a leaked key can impersonate.
  wildcards: { severity: warning, allow: false }
  max-sans: { severity: warning, max: 100 }
  # What the lock file says was issued is what is in certs/.
  issued-state: { severity: error }
  # Never a private key in plaintext in the repository.
  no-plaintext-keys: { severity: error, allowPaths: [] }
  # A change to policies/ needs the approvers' review.
  policy-change: { severity: warning }
`;export{e as a,r as b};
