import type { X509Certificate, createHash } from 'node:crypto';

/** What the examiner needs from node:crypto, handed in so the same code runs in child processes as well. */
export interface ExaminerLib {
  X509Certificate: typeof X509Certificate;
  createHash: typeof createHash;
  /** The source of src/pki/pem.ts's block pattern, so both read PEM the same way. */
  pemBlockSource: string;
}

/** The leaf certificate of a chain file, as the issued-state rule compares it with the lock and the spec. */
export interface LeafFacts {
  serialNumber: string;
  /** SHA-256 of the DER, lower-case hex. */
  sha256: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo. */
  spkiSha256: string;
  /** KeyObject#asymmetricKeyType and the parts of asymmetricKeyDetails the rule uses. */
  keyType: string | undefined;
  namedCurve: string | undefined;
  modulusLength: number | undefined;
  validFrom: string;
  validTo: string;
  subjectAltName: string | undefined;
}

/**
 * Everything about one chain file (leaf first, then the chain) that needs certificate parsing or
 * signature checks: a pure function of the file's text (and, for `caLinks`, of the candidate CAs).
 */
export interface ChainFacts {
  /** PEM CERTIFICATE blocks in the file. */
  blocks: number;
  /** X509Certificate's message when a block does not parse; nothing else is then known. */
  parseError?: string;
  leaf?: LeafFacts;
  /** Reading the leaf's public key threw this message (a key OpenSSL cannot decode). */
  keyError?: string;
  /**
   * links[i]: certificate i is issued and signed by certificate i + 1; a string is the message
   * the check threw, for the rule to throw only if it needs that link, as it always has.
   */
  links?: Link[];
  /** caLinks[c]: the last certificate of the chain is issued and signed by candidate CA c. */
  caLinks?: Link[];
  /** The first candidate CA with the same fingerprint as the last certificate of the chain, or -1. */
  lastIs?: number;
}

export type Link = boolean | string;

export interface CertificateExaminer {
  /**
   * Facts about a chain file's text; the candidate CAs are those given to setCandidates.
   * `links`: check the signatures along the chain too (the costly part; only chains with a CA need it).
   */
  examine(text: string, links: boolean): ChainFacts;
  /** CA certificates (DER) the chains are checked against, by index; set before examining. */
  setCandidates(ders: Uint8Array[]): void;
}

/**
 * Builds the examiner. This function must stay self-contained (no imports, no module-level
 * names: only its parameter and JavaScript/Node globals), because the parallel examination
 * runs its source text in child processes (src/policy/parallel-examination.ts). Chains share
 * their intermediates, so each distinct certificate after the leaf is parsed once and each
 * distinct link checked once per examiner.
 */
export function createCertificateExaminer(lib: ExaminerLib): CertificateExaminer {
  const { X509Certificate: X509, createHash: hash } = lib;
  type Cert = InstanceType<typeof X509Certificate>;
  const blockPattern = new RegExp(lib.pemBlockSource, 'g');
  const shared = new Map<string, Cert>();
  const signed = new WeakMap<Cert, WeakMap<Cert, Link>>();
  let candidates: Cert[] = [];
  let candidateFingerprints: string[] = [];
  const fingerprints = new WeakMap<Cert, string>();

  const isSignedBy = (subject: Cert, issuer: Cert, remember: boolean): Link => {
    const check = (): Link => {
      try {
        return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
      } catch (err) {
        return (err as Error).message;
      }
    };
    if (!remember) return check();
    let byIssuer = signed.get(subject);
    if (!byIssuer) signed.set(subject, (byIssuer = new WeakMap()));
    let ok = byIssuer.get(issuer);
    if (ok === undefined) byIssuer.set(issuer, (ok = check()));
    return ok;
  };

  // A DER element: tag, where its contents start and end; undefined unless well-formed with minimal lengths.
  const element = (der: Uint8Array, at: number, end: number): { tag: number; start: number; end: number } | undefined => {
    if (at + 2 > end) return undefined;
    const tag = der[at]!;
    if ((tag & 0x1f) === 0x1f) return undefined;
    let length = der[at + 1]!;
    let start = at + 2;
    if (length & 0x80) {
      const n = length & 0x7f;
      if (n === 0 || n > 4 || start + n > end || der[start] === 0) return undefined;
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + der[start + i]!;
      if (length < 0x80) return undefined;
      start += n;
    }
    return start + length <= end ? { tag, start, end: start + length } : undefined;
  };
  // A positive INTEGER in minimal DER: its significant bit count.
  const positiveIntegerBits = (der: Uint8Array, e: { tag: number; start: number; end: number }): number | undefined => {
    if (e.tag !== 0x02 || e.end === e.start) return undefined;
    const first = der[e.start]!;
    if (first & 0x80) return undefined;
    if (first === 0) return e.end - e.start < 2 || !(der[e.start + 1]! & 0x80) ? undefined : (e.end - e.start - 1) * 8;
    return (e.end - e.start - 1) * 8 + (32 - Math.clz32(first));
  };
  const hex = (h: string) => Buffer.from(h, 'hex');
  // AlgorithmIdentifiers, as whole DER elements, whose SPKI OpenSSL writes back byte for byte.
  const ecAlgorithms: [Buffer, string, number][] = [
    [hex('301306072a8648ce3d020106082a8648ce3d030107'), 'prime256v1', 32],
    [hex('301006072a8648ce3d020106052b81040022'), 'secp384r1', 48],
    [hex('301006072a8648ce3d020106052b81040023'), 'secp521r1', 66],
  ];
  const ed25519Algorithm = hex('300506032b6570');
  const rsaAlgorithm = hex('300d06092a864886f70d0101010500');

  /**
   * The SubjectPublicKeyInfo read from the certificate's DER, when it is in the one encoding
   * OpenSSL itself writes for the key (named-curve EC with an uncompressed point, Ed25519, RSA
   * with NULL parameters and minimal integers): then these bytes are what KeyObject#export
   * returns, and type and size what KeyObject reports, without the export's cost (~150 us a key
   * on Node 20). Anything else is read through the KeyObject.
   */
  const knownSpki = (raw: Buffer): { der: Buffer; type: string; namedCurve?: string; modulusLength?: number } | undefined => {
    const cert = element(raw, 0, raw.length);
    if (!cert || cert.tag !== 0x30) return undefined;
    const tbs = element(raw, cert.start, cert.end);
    if (!tbs || tbs.tag !== 0x30) return undefined;
    let at = tbs.start;
    // [0] version (optional), serialNumber, signature, issuer, validity, subject; then the key.
    let e = element(raw, at, tbs.end);
    if (e?.tag === 0xa0) e = element(raw, (at = e.end), tbs.end);
    for (const tag of [0x02, 0x30, 0x30, 0x30, 0x30]) {
      if (!e || e.tag !== tag) return undefined;
      e = element(raw, (at = e.end), tbs.end);
    }
    if (!e || e.tag !== 0x30) return undefined;
    const spki = e;
    const algorithm = element(raw, spki.start, spki.end);
    if (!algorithm || algorithm.tag !== 0x30) return undefined;
    const bits = element(raw, algorithm.end, spki.end);
    if (!bits || bits.tag !== 0x03 || bits.end !== spki.end || bits.end - bits.start < 2 || raw[bits.start] !== 0) return undefined;
    const algorithmDer = raw.subarray(spki.start, algorithm.end);
    const key = raw.subarray(bits.start + 1, bits.end);
    const der = raw.subarray(at, spki.end);
    for (const [id, namedCurve, size] of ecAlgorithms) {
      if (algorithmDer.equals(id)) return key.length === 1 + 2 * size && key[0] === 0x04 ? { der, type: 'ec', namedCurve } : undefined;
    }
    if (algorithmDer.equals(ed25519Algorithm)) return key.length === 32 ? { der, type: 'ed25519' } : undefined;
    if (algorithmDer.equals(rsaAlgorithm)) {
      const seq = element(key, 0, key.length);
      if (!seq || seq.tag !== 0x30 || seq.end !== key.length) return undefined;
      const n = element(key, seq.start, seq.end);
      const exponent = n && element(key, n.end, seq.end);
      const modulusLength = n && positiveIntegerBits(key, n);
      if (!exponent || exponent.end !== seq.end || !modulusLength || !positiveIntegerBits(key, exponent)) return undefined;
      return { der, type: 'rsa', modulusLength };
    }
    return undefined;
  };

  const leafFacts = (leaf: Cert): LeafFacts => {
    // Read first: a key OpenSSL could not decode throws here, as it always has.
    const publicKey = leaf.publicKey;
    const known = knownSpki(leaf.raw);
    const details = known ? undefined : (publicKey.asymmetricKeyDetails ?? {});
    return {
      serialNumber: leaf.serialNumber,
      sha256: hash('sha256').update(leaf.raw).digest('hex'),
      spkiSha256: hash('sha256')
        .update(known?.der ?? publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64'),
      keyType: known ? known.type : publicKey.asymmetricKeyType,
      namedCurve: known ? known.namedCurve : details!.namedCurve,
      modulusLength: known ? known.modulusLength : details!.modulusLength,
      validFrom: leaf.validFrom,
      validTo: leaf.validTo,
      subjectAltName: leaf.subjectAltName,
    };
  };

  return {
    setCandidates(ders) {
      candidates = ders.map((der) => new X509(der));
      candidateFingerprints = candidates.map((ca) => ca.fingerprint256);
    },
    examine(text, links) {
      const ders: Buffer[] = [];
      for (const m of text.matchAll(blockPattern)) if (m[1] === 'CERTIFICATE') ders.push(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64'));
      const facts: ChainFacts = { blocks: ders.length };
      let chain: Cert[];
      try {
        // The leaf is unique to its file; what follows it is shared between files and parsed once.
        chain = ders.map((der, i) => {
          if (i === 0) return new X509(der);
          const key = der.toString('latin1');
          let cert = shared.get(key);
          if (!cert) shared.set(key, (cert = new X509(der)));
          return cert;
        });
      } catch (err) {
        facts.parseError = (err as Error).message;
        return facts;
      }
      const leaf = chain[0];
      if (!leaf) return facts;
      try {
        facts.leaf = leafFacts(leaf);
      } catch (err) {
        facts.keyError = (err as Error).message;
        return facts;
      }
      const last = chain[chain.length - 1]!;
      if (links) {
        let fingerprint = fingerprints.get(last);
        if (fingerprint === undefined) {
          fingerprint = last.fingerprint256;
          if (chain.length > 1) fingerprints.set(last, fingerprint);
        }
        facts.lastIs = candidateFingerprints.indexOf(fingerprint);
        facts.links = [];
        for (let i = 0; i + 1 < chain.length; i++) facts.links.push(isSignedBy(chain[i]!, chain[i + 1]!, i > 0));
        // checkIssued comes first and is cheap: a leaf-only chain is verified only against the CA it names as its issuer.
        facts.caLinks = candidates.map((ca) => isSignedBy(last, ca, chain.length > 1));
      }
      return facts;
    },
  };
}
