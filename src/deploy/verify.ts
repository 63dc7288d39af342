import { setTimeout as delay } from 'node:timers/promises';
import { describeCertificate, oneLineDn, readCertificateChain } from '../pki/certificate-info.js';
import { errorText } from './delivery.js';
import type { DeployMaterial } from './material.js';
import { parseAddress, probeTls, type ServedChain, type TlsAddress } from './tls-probe.js';

/** The certificate a server should present. */
export interface Expectation {
  /** "the new certificate", "the previous certificate": for messages. */
  label: string;
  leafSha256: string;
  serial: string;
  /** SHA-256 of each chain certificate that was deployed, in order after the leaf. */
  chainSha256: string[];
}

export function expectationOf(material: DeployMaterial, label = 'the new certificate'): Expectation {
  return { label, leafSha256: material.sha256, serial: material.serial, chainSha256: material.chainSha256 };
}

/** An expectation from a leaf + chain PEM (what a rollback restored). */
export function expectationFromPem(pem: string, label: string): Expectation {
  const [leaf, ...chain] = readCertificateChain(pem).map(describeCertificate);
  return { label, leafSha256: leaf!.sha256, serial: leaf!.serial, chainSha256: chain.map((c) => c.sha256) };
}

export interface VerifyOptions {
  addresses: readonly string[];
  /** SNI; undefined sends none. */
  serverName: string | undefined;
  /** Keep trying until this much time has passed. */
  timeoutMs: number;
  /** One handshake per address, no retries: the cheap check of whether a deploy is needed at all. */
  once?: boolean;
  /** A certificate the server may still be serving, named as such in messages (the previous one, or the new one after a rollback). */
  other?: Expectation;
  /** How long every handshake must show the expected certificate before it counts as served. */
  stableMs?: number;
}

/**
 * One good handshake right after a reload proves little: nginx's and haproxy's old workers keep
 * accepting for a moment while new ones start, so handshakes alternate between the old and the
 * new certificate. A verify passes when every handshake for this long (and at least
 * STABLE_HANDSHAKES of them) shows the expected certificate.
 */
export const DEFAULT_STABLE_MS = 1000;
const STABLE_HANDSHAKES = 3;
const STABLE_PAUSE_MS = 100;

export interface AddressReport {
  address: string;
  ok: boolean;
  detail: string;
  attempts: number;
}

export interface VerifyReport {
  ok: boolean;
  detail: string;
  addresses: AddressReport[];
}

/**
 * Handshakes with every address (in parallel) until each serves the expected leaf with its
 * complete chain steadily (see DEFAULT_STABLE_MS), or the time is up. Polls with a growing pause
 * and a deadline: a server that reloads fast is seen at once, a slow one gets the whole timeout.
 */
export async function verifyServed(expect: Expectation, options: VerifyOptions): Promise<VerifyReport> {
  const deadline = Date.now() + options.timeoutMs;
  const reports = await Promise.all(options.addresses.map((text) => verifyAddress(text, expect, options, deadline)));
  const ok = reports.every((r) => r.ok);
  const detail = reports.map((r) => `${r.address} ${r.detail}`).join('; ');
  return { ok, detail, addresses: reports };
}

async function verifyAddress(text: string, expect: Expectation, options: VerifyOptions, deadline: number): Promise<AddressReport> {
  let address: TlsAddress;
  try {
    address = parseAddress(text);
  } catch (err) {
    return { address: text, ok: false, detail: errorText(err), attempts: 0 };
  }
  const stableMs = options.stableMs ?? DEFAULT_STABLE_MS;
  let attempts = 0;
  let pause = 100;
  let last = '';
  let streakStart: number | undefined;
  let streak = 0;
  let everMatched = false;
  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    let problem: string | undefined;
    try {
      problem = judge(await probeTls(address, options.serverName, Math.max(1000, Math.min(10_000, remaining))), expect, options.other);
    } catch (err) {
      problem = `TLS handshake failed: ${errorText(err)}`;
    }
    const now = Date.now();
    if (problem === undefined) {
      everMatched = true;
      streakStart ??= now;
      streak++;
      if (options.once || (streak >= STABLE_HANDSHAKES && now - streakStart >= stableMs)) {
        return { address: text, ok: true, detail: `serves ${expect.label} (sha256 ${short(expect.leafSha256)}, serial ${expect.serial}) with its chain`, attempts };
      }
    } else {
      last = problem;
      streakStart = undefined;
      streak = 0;
    }
    // A streak that began before the deadline may finish: the deadline bounds the wait for a change, not its confirmation.
    const giveUp = options.once || (streakStart === undefined ? now + pause > deadline : now > deadline + stableMs);
    if (giveUp) {
      const waited = options.once ? '' : ` (still so after ${attempts} handshake${attempts === 1 ? '' : 's'} in ${Math.round(options.timeoutMs / 1000)}s)`;
      const flapping = everMatched && !options.once ? `not consistently: some handshakes got ${expect.label}, others: ` : '';
      return { address: text, ok: false, detail: `${flapping}${last}${waited}`, attempts };
    }
    if (streakStart !== undefined) {
      await delay(STABLE_PAUSE_MS);
    } else {
      await delay(pause);
      pause = Math.min(pause * 2, 1000);
    }
  }
}

/** Undefined when the served chain is the expected one; else what is wrong, for people. */
export function judge(served: ServedChain, expect: Expectation, other?: Expectation): string | undefined {
  const [leaf, ...rest] = served.certificates;
  if (!leaf) return 'sent no certificate';
  if (leaf.sha256 !== expect.leafSha256) {
    const info = describeCertificate(leaf.x509);
    const which = other && leaf.sha256 === other.leafSha256 ? `${other.label}` : 'another certificate';
    return `serves ${which} (sha256 ${short(leaf.sha256)}, serial ${info.serial}, ${oneLineDn(info.subject) || 'no subject'}) instead of ${expect.label} (sha256 ${short(expect.leafSha256)})`;
  }
  for (const [i, wanted] of expect.chainSha256.entries()) {
    const got = rest[i];
    if (!got) {
      return `serves ${expect.label}, but its chain is incomplete: ${i} of the ${expect.chainSha256.length} chain certificate${expect.chainSha256.length === 1 ? '' : 's'} deployed ${i === 1 ? 'is' : 'are'} sent (point the server at the fullchain file)`;
    }
    if (got.sha256 !== wanted) {
      return `serves ${expect.label}, but chain certificate ${i + 1} is ${oneLineDn(got.x509.subject)} (sha256 ${short(got.sha256)}), not the one deployed (sha256 ${short(wanted)})`;
    }
    const child = i === 0 ? leaf : rest[i - 1]!;
    if (!child.x509.checkIssued(got.x509) || !child.x509.verify(got.x509.publicKey)) {
      return `serves ${expect.label}, but chain certificate ${i + 1} did not issue the certificate before it`;
    }
  }
  return undefined;
}

export function short(sha256: string): string {
  return `${sha256.slice(0, 16)}…`;
}
