import acme, { type Authorization, type Client, type Order } from 'acme-client';
import type { CertificateSpec } from '../../manifest/types.js';
import { parseRetryAfter } from '../../net/retry.js';
import { parsePem } from '../../pki/pem.js';
import { readRepoFile } from '../../repo/confined-io.js';
import type { IssuedCertificate, IssueRequest, Issuer, RenewalWindow } from '../types.js';
import { ariCertificateId, parseRenewalInfo } from './ari.js';
import { isAcmeClientLostResponse } from './connection-errors.js';
import { readDirectory, type AcmeDirectory } from './directory.js';
import type { AcmeIssuerOptions, AcmeLogger } from './options.js';
import { createSolver } from './solvers/create.js';
import { selectSolver } from './solvers/select.js';
import type { ChallengeSolver, ChallengeTask } from './solvers/types.js';
import { AcmeTransport } from './transport.js';

type Challenge = Authorization['challenges'][number];

/** What a newOrder carries beyond RFC 8555: the profile (ACME profiles draft) and RFC 9773's `replaces`. */
interface NewOrderPayload {
  identifiers: { type: string; value: string }[];
  profile?: string;
  replaces?: string;
}

interface Connection {
  client: Client;
  directory: AcmeDirectory;
  transport: AcmeTransport;
}

/** Longest a renewalInfo answer is reused for, whatever Retry-After says. */
const MAX_ARI_CACHE_MS = 6 * 60 * 60 * 1000;

/**
 * An ACME CA (RFC 8555) as a certops Issuer, on acme-client. One instance holds one account
 * and may run several orders at once; call close() when done to free kept-alive connections.
 */
export class AcmeIssuer implements Issuer {
  readonly name: string;
  readonly #options: AcmeIssuerOptions;
  readonly #log: AcmeLogger;
  readonly #solvers = new Map<number, ChallengeSolver>();
  readonly #ariCache = new Map<string, { window: RenewalWindow; until: number }>();
  #connection: Promise<Connection> | undefined;

  constructor(options: AcmeIssuerOptions) {
    if (!options.spec.directory) throw new Error(`issuers.${options.name}.acme.directory is missing: give the CA's ACME directory URL`);
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger ?? (() => undefined);
  }

  async obtain(request: IssueRequest): Promise<IssuedCertificate> {
    const { client, directory, transport } = await this.#connect();
    try {
      return await transport.run(() => this.#order(client, directory, request));
    } catch (error) {
      throw this.#explain(error, `order for ${request.spec.name}`);
    }
  }

  /**
   * RFC 9773 renewal information for a certificate (its leaf first in the PEM); undefined when
   * the CA offers none (no `renewalInfo` in its directory) or does not know the certificate.
   */
  async renewalInfo(certificatePem: string): Promise<RenewalWindow | undefined> {
    const { directory, transport } = await this.#connect();
    if (!directory.renewalInfo) return undefined;
    const certId = ariCertificateId(certificatePem);
    const cached = this.#ariCache.get(certId);
    if (cached && cached.until > Date.now()) return cached.window;
    try {
      const url = `${directory.renewalInfo.replace(/\/+$/, '')}/${certId}`;
      const answer = await transport.get(url);
      if (answer.status === 404) {
        this.#log({ level: 'info', message: `${this.name}: the CA has no renewal information for ${certId}` });
        return undefined;
      }
      if (answer.status !== 200) throw new Error(`${url} answered HTTP ${answer.status}: ${problemDetail(answer.body)}`);
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        throw new Error(`${url} did not answer JSON`);
      }
      const window = parseRenewalInfo(body);
      // RFC 9773 section 4.3: Retry-After says when asking again is useful; until then the answer stands.
      const retryAfter = parseRetryAfter(typeof answer.headers['retry-after'] === 'string' ? answer.headers['retry-after'] : undefined);
      if (retryAfter !== undefined) this.#ariCache.set(certId, { window, until: Date.now() + Math.min(retryAfter, MAX_ARI_CACHE_MS) });
      return window;
    } catch (error) {
      throw this.#explain(error, `renewalInfo for ${certId}`);
    }
  }

  /**
   * The account's URL (registering the account, or finding it by its key, on first use). A caller
   * may keep it and pass it as `accountUrl` next time to save the lookup.
   */
  async accountUrl(): Promise<string> {
    const { client } = await this.#connect();
    return client.getAccountUrl();
  }

  /** Frees the kept-alive connections to the CA. The issuer can still be used afterwards. */
  async close(): Promise<void> {
    const connection = await this.#connection?.catch(() => undefined);
    connection?.transport.close();
  }

  #connect(): Promise<Connection> {
    this.#connection ??= this.#open().catch((error: unknown) => {
      // The next call tries again: a CA that was down for one run may be back for the next.
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #open(): Promise<Connection> {
    const { spec, name } = this.#options;
    const tuning = this.#options.tuning ?? {};
    let transport: AcmeTransport | undefined;
    let stage = 'trust';
    try {
      transport = new AcmeTransport({
        issuerName: name,
        directoryUrl: spec.directory,
        extraCaPem: await this.#extraCaPem(),
        log: this.#log,
        ...(tuning.httpAttempts !== undefined ? { attempts: tuning.httpAttempts } : {}),
        ...(tuning.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: tuning.maxRetryAfterMs } : {}),
        ...(tuning.requestTimeoutMs !== undefined ? { requestTimeoutMs: tuning.requestTimeoutMs } : {}),
      });
      stage = 'directory';
      const directory = await readDirectory(transport, spec.directory, name);
      stage = 'account';
      const eab = this.#externalAccountBinding();
      if (directory.meta?.externalAccountRequired && !eab) {
        throw new Error(`the CA at ${spec.directory} requires External Account Binding: set issuers.${name}.acme.externalAccountBinding (keyId and hmacKeySecret, the name of the secret holding the HMAC key)`);
      }
      const client = new acme.Client({
        directoryUrl: spec.directory,
        accountKey: this.#options.accountKeyPem,
        ...(this.#options.accountUrl ? { accountUrl: this.#options.accountUrl } : {}),
        ...(eab ? { externalAccountBinding: eab } : {}),
        backoffAttempts: tuning.pollAttempts ?? 15,
        backoffMin: tuning.pollMinMs ?? 100,
        backoffMax: tuning.pollMaxMs ?? 5_000,
      });
      setBadNonceRetries(client, tuning.badNonceRetries ?? 20, this.#log);
      if (!this.#options.accountUrl) {
        const termsOfService = directory.meta?.termsOfService;
        // The newAccount request alone: 201 made the account, 200 found it (its URL comes back
        // either way). acme-client's createAccount follows a 200 with an account update, which
        // a CA refuses as an empty update when the spec names no email.
        const api = (client as unknown as { api: { createAccount(data: object): Promise<unknown> } }).api;
        await transport.run(() =>
          api.createAccount({
            // certops agrees on the user's behalf: choosing the CA in certificates.yaml is the consent.
            termsOfServiceAgreed: true,
            ...(spec.email ? { contact: [`mailto:${spec.email}`] } : {}),
          }),
        );
        this.#log({ level: 'info', message: `${name}: ACME account ${client.getAccountUrl()}${termsOfService ? ` (terms of service: ${termsOfService})` : ''}` });
      }
      return { client, directory, transport };
    } catch (error) {
      transport?.close();
      throw this.#explain(error, stage);
    }
  }

  async #extraCaPem(): Promise<string[]> {
    const given = this.#options.trust?.caCertificatesPem;
    if (given) return given;
    const file = this.#options.spec.caCertificate;
    if (!file) return [];
    // A repository path, as every file certificates.yaml names: refused when it leaves the repository.
    const field = `issuers.${this.name}.acme.caCertificate`;
    const text = readRepoFile(this.#options.baseDir ?? process.cwd(), file, field).toString('utf8');
    if (!parsePem(text).some((b) => b.label === 'CERTIFICATE')) throw new Error(`${field}: ${file} holds no PEM certificate`);
    return [text];
  }

  #externalAccountBinding(): { kid: string; hmacKey: string } | undefined {
    const binding = this.#options.spec.externalAccountBinding;
    if (!binding) return undefined;
    const where = `issuers.${this.name}.acme.externalAccountBinding`;
    if (!binding.keyId) throw new Error(`${where}.keyId is missing`);
    let hmacKey = this.#options.externalAccountBindingHmacKey;
    if (hmacKey === undefined) {
      if (!binding.hmacKeySecret) throw new Error(`${where}.hmacKeySecret is missing: name the secret (environment variable) that holds the HMAC key`);
      hmacKey = (this.#options.env ?? process.env)[binding.hmacKeySecret];
      if (!hmacKey) throw new Error(`the EAB HMAC key ${binding.hmacKeySecret} (${where}.hmacKeySecret) is not set in the environment`);
    }
    return { kid: binding.keyId, hmacKey: hmacKey.trim() };
  }

  async #order(client: Client, directory: AcmeDirectory, request: IssueRequest): Promise<IssuedCertificate> {
    const payload: NewOrderPayload = { identifiers: orderIdentifiers(request.spec) };
    const profile = this.#options.spec.profile;
    if (profile) {
      const offered = directory.meta?.profiles ? Object.keys(directory.meta.profiles) : undefined;
      if (!offered) throw new Error(`issuers.${this.name}.acme.profile is "${profile}", but the CA advertises no profiles: remove the profile`);
      if (!offered.includes(profile)) throw new Error(`issuers.${this.name}.acme.profile "${profile}" is not offered by the CA; it offers ${offered.join(', ')}`);
      payload.profile = profile;
    }
    // RFC 9773 section 5: `replaces` only towards a CA that has announced ARI.
    if (request.replaces && directory.renewalInfo) payload.replaces = request.replaces;
    const order = await this.#newOrder(client, payload);
    const authorizations = await client.getAuthorizations(order);
    const results = await Promise.allSettled(authorizations.map((authz) => this.#authorize(client, authz)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map((r) => (r.reason as Error).message).join('; '));
    // The order turns ready once its authorizations are valid; finalizing earlier is refused.
    await client.waitForValidStatus(order);
    const finalized = await client.finalizeOrder(order, request.csrPem);
    const certificatePem = await client.getCertificate(finalized);
    if (!parsePem(certificatePem).some((b) => b.label === 'CERTIFICATE')) throw new Error(`the CA returned no PEM certificate for order ${order.url}`);
    const ariCertId = directory.renewalInfo ? this.#ariCertId(certificatePem) : undefined;
    return {
      certificatePem: certificatePem.endsWith('\n') ? certificatePem : `${certificatePem}\n`,
      ...(ariCertId ? { ariCertId } : {}),
    };
  }

  /** The ARI id of a just-issued certificate; a certificate without one is still issued, with a warning. */
  #ariCertId(certificatePem: string): string | undefined {
    try {
      return ariCertificateId(certificatePem);
    } catch (error) {
      this.#log({ level: 'warn', message: `${this.name}: no ARI certificate id for the new certificate: ${(error as Error).message}` });
      return undefined;
    }
  }

  async #newOrder(client: Client, payload: NewOrderPayload): Promise<Order> {
    try {
      // acme-client sends the payload as given, so the fields it has no types for go through.
      return await client.createOrder(payload);
    } catch (error) {
      if (!payload.replaces) throw error;
      // `replaces` is advice: a CA that refuses it (already replaced, unknown certificate) still
      // issues a fresh order, and a renewal must not fail over it.
      this.#log({ level: 'warn', message: `${this.name}: the CA refused the order with replaces=${payload.replaces} (${(error as Error).message}); ordering without it` });
      const { replaces: _, ...rest } = payload;
      return client.createOrder(rest);
    }
  }

  async #authorize(client: Client, authz: Authorization): Promise<void> {
    if (authz.status === 'valid') return;
    const name = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
    const offered = authz.challenges.map((c) => c.type);
    const index = selectSolver(this.#options.spec.solvers ?? [], name, offered);
    if (index === undefined) {
      throw new Error(`${name}: no entry of issuers.${this.name}.acme.solvers applies (the CA offers ${offered.join(', ')} for it)`);
    }
    const solver = this.#solver(index);
    const challenge = authz.challenges.find((c): c is Challenge => c.type === solver.type)!;
    const task: ChallengeTask = {
      identifier: authz.identifier,
      wildcard: authz.wildcard === true,
      type: solver.type,
      token: challenge.token,
      value: await client.getChallengeKeyAuthorization(challenge),
    };
    let answered = false;
    try {
      try {
        await solver.present(task);
        this.#log({ level: 'debug', message: `${this.name}: ${name}: ${solver.description} ready` });
        await client.completeChallenge(challenge);
        answered = true;
        await client.waitForValidStatus(challenge);
      } finally {
        await solver.cleanup(task).catch((error: unknown) => {
          this.#log({ level: 'warn', message: `${this.name}: ${name}: cleaning up ${solver.description} failed: ${(error as Error).message}` });
        });
      }
    } catch (error) {
      if (!answered) {
        // A pending authorization left behind counts against the CA's limits; give it up.
        await client.deactivateAuthorization(authz).catch(() => undefined);
      }
      throw new Error(`${name} (${solver.description}): ${(error as Error).message}`);
    }
  }

  #solver(index: number): ChallengeSolver {
    let solver = this.#solvers.get(index);
    if (!solver) {
      const tuning = this.#options.tuning ?? {};
      solver = createSolver(this.#options.spec.solvers![index]!, {
        env: this.#options.env ?? process.env,
        nsupdatePath: tuning.nsupdatePath ?? 'nsupdate',
        commandTimeoutMs: tuning.commandTimeoutMs ?? 60_000,
        where: `issuers.${this.name}.acme.solvers[${index}]`,
      });
      this.#solvers.set(index, solver);
    }
    return solver;
  }

  #explain(error: unknown, what: string): Error {
    const message = isAcmeClientLostResponse(error)
      ? `a request to ${this.#options.spec.directory} got no answer (acme-client lost the cause; check the network and the CA's TLS trust)`
      : error instanceof Error ? error.message : String(error);
    return new Error(`ACME issuer ${this.name}: ${what}: ${message}`, { cause: error });
  }
}

/** The order's identifiers: the DNS names (commonName too when it is not among them) and IP addresses (RFC 8738). */
export function orderIdentifiers(spec: Pick<CertificateSpec, 'commonName' | 'dnsNames' | 'ipAddresses'>): { type: string; value: string }[] {
  const dns = [...spec.dnsNames];
  if (spec.commonName && !dns.includes(spec.commonName) && !spec.ipAddresses.includes(spec.commonName)) dns.unshift(spec.commonName);
  const identifiers = [
    ...[...new Set(dns)].map((value) => ({ type: 'dns', value })),
    ...[...new Set(spec.ipAddresses)].map((value) => ({ type: 'ip', value })),
  ];
  if (identifiers.length === 0) throw new Error('the certificate has no DNS name or IP address to order');
  return identifiers;
}

/**
 * acme-client re-signs a request after badNonce up to `maxBadNonceRetries` times (5), a field of
 * its HttpClient without a setter. Checked before it is set, so a future acme-client that
 * renames it is reported instead of silently ignored.
 */
function setBadNonceRetries(client: Client, retries: number, log: AcmeLogger): void {
  const http = (client as unknown as { http?: { maxBadNonceRetries?: unknown } }).http;
  if (http && typeof http.maxBadNonceRetries === 'number') {
    http.maxBadNonceRetries = retries;
  } else {
    log({ level: 'warn', message: 'acme-client has no maxBadNonceRetries setting any more; badNonce is retried only as often as acme-client does' });
  }
}

/** The `detail` of an RFC 7807 problem document, or the start of the body. */
function problemDetail(body: string): string {
  try {
    const problem = JSON.parse(body) as { detail?: unknown; type?: unknown };
    if (typeof problem.detail === 'string') return typeof problem.type === 'string' ? `${problem.type}: ${problem.detail}` : problem.detail;
  } catch {
    // Not JSON: show what came.
  }
  return body.slice(0, 200);
}
