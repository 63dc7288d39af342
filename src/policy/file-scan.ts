/** What the rules need to know about any file's bytes, besides certificate chains. */
export interface ScanFacts {
  /** The file starts as an age file does: the binary header line, or the armor after blank space. */
  age: boolean;
  /** The first PEM private-key BEGIN line that a `PRIVATE KEY-----` belongs to, its 1-based line, and whether it is passphrase-encrypted. */
  privateKey?: { label: string; line: number; encrypted: boolean };
  /** The file starts as a DER PKCS#12 PFX does. */
  pkcs12: boolean;
}

/** The patterns the scanner matches, handed in so the same code runs in child processes as well. */
export interface ScannerLib {
  /** src/pki/pem.ts's PRIVATE_KEY_PEM source. */
  privateKeyPemSource: string;
  /** src/keys/age-format.ts's BINARY_HEADER and ARMOR_BEGIN. */
  ageHeader: string;
  ageArmor: string;
}

/**
 * Builds the scanner. Like createCertificateExaminer, it must stay self-contained (no imports,
 * no module-level names), because the parallel examination runs its source in child processes.
 */
export function createFileScanner(lib: ScannerLib): (bytes: Buffer) => ScanFacts {
  const privateKeyPem = new RegExp(lib.privateKeyPemSource);
  const pemKeyEnd = Buffer.from('PRIVATE KEY-----');
  /** OID 1.2.840.113549.1.7.1 (pkcs7-data), which every PKCS#12 PFX wraps its content in. */
  const pkcs7Data = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);

  // SEQUENCE { INTEGER 3, SEQUENCE { pkcs7-data ... } }, sniffed from the first bytes.
  const looksLikePkcs12 = (bytes: Buffer): boolean => {
    if (bytes.length < 24 || bytes[0] !== 0x30) return false;
    const lengthBytes = bytes[1]! & 0x80 ? bytes[1]! & 0x7f : 0;
    const at = 2 + lengthBytes;
    if (bytes[at] !== 0x02 || bytes[at + 1] !== 0x01 || bytes[at + 2] !== 0x03) return false;
    return bytes.subarray(at + 3, at + 24).indexOf(pkcs7Data) !== -1;
  };
  const lineOf = (bytes: Buffer, offset: number): number => {
    let line = 1;
    for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
    return line;
  };

  return (bytes) => {
    // latin1 maps each byte to one character, so binary content cannot throw or shift offsets.
    const head = bytes.subarray(0, 256).toString('latin1');
    const facts: ScanFacts = { age: head.startsWith(lib.ageHeader) || head.trimStart().startsWith(lib.ageArmor), pkcs12: looksLikePkcs12(bytes) };
    // The first "PRIVATE KEY-----" may be an END line or prose; the first that ends a BEGIN line counts.
    for (let hit = bytes.indexOf(pemKeyEnd); hit !== -1; hit = bytes.indexOf(pemKeyEnd, hit + 1)) {
      const begin = bytes.lastIndexOf('-----BEGIN', hit);
      const label = begin === -1 ? null : privateKeyPem.exec(bytes.subarray(begin, hit + pemKeyEnd.length).toString('latin1'));
      if (label) {
        facts.privateKey = { label: label[0], line: lineOf(bytes, begin), encrypted: label[1]!.startsWith('ENCRYPTED') };
        break;
      }
    }
    return facts;
  };
}
