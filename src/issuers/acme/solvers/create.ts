import type { AcmeSolverSpec } from '../../../manifest/types.js';
import { ExecDns01Solver } from './dns01-exec.js';
import { Rfc2136Dns01Solver } from './dns01-rfc2136.js';
import { StandaloneHttp01Solver } from './http01-standalone.js';
import type { ChallengeSolver } from './types.js';
import { WebrootHttp01Solver } from './http01-webroot.js';

export interface SolverContext {
  /** Where `tsigSecret` names are looked up. */
  env: NodeJS.ProcessEnv;
  nsupdatePath: string;
  commandTimeoutMs: number;
  /** `issuers.<name>.acme.solvers[<index>]`, for messages. */
  where: string;
}

/** The solver a `solvers` entry describes. Throws, naming the field, when the entry is incomplete. */
export function createSolver(spec: AcmeSolverSpec, context: SolverContext): ChallengeSolver {
  if (spec.http01 && spec.dns01) throw new Error(`${context.where} has both http01 and dns01: give each its own entry`);
  if (spec.http01) {
    if (spec.http01.webroot !== undefined && spec.http01.listen !== undefined) {
      throw new Error(`${context.where}.http01 has both webroot and listen: choose one`);
    }
    return spec.http01.webroot !== undefined ? new WebrootHttp01Solver(spec.http01.webroot) : new StandaloneHttp01Solver(spec.http01.listen);
  }
  const dns01 = spec.dns01;
  if (dns01?.rfc2136 && dns01.exec) throw new Error(`${context.where}.dns01 has both rfc2136 and exec: give each its own entry`);
  if (dns01?.rfc2136) {
    const { server, tsigKeyName, tsigAlgorithm, tsigSecret } = dns01.rfc2136;
    let secret: string | undefined;
    if (tsigKeyName !== undefined) {
      if (!tsigSecret) throw new Error(`${context.where}.dns01.rfc2136.tsigSecret is missing: name the secret (environment variable) that holds the TSIG key of ${tsigKeyName}`);
      secret = context.env[tsigSecret];
      if (!secret) throw new Error(`the TSIG secret ${tsigSecret} (${context.where}.dns01.rfc2136.tsigSecret) is not set in the environment`);
    }
    return new Rfc2136Dns01Solver(
      { server, ...(tsigKeyName !== undefined ? { tsigKeyName } : {}), ...(tsigAlgorithm !== undefined ? { tsigAlgorithm } : {}), ...(secret !== undefined ? { tsigSecret: secret.trim() } : {}) },
      { nsupdatePath: context.nsupdatePath, timeoutMs: context.commandTimeoutMs },
    );
  }
  // The hook runs in certops' own environment (PATH, its provider's credentials), not in `env`, which only resolves secret names.
  if (dns01?.exec) return new ExecDns01Solver(dns01.exec.command, { timeoutMs: context.commandTimeoutMs });
  throw new Error(`${context.where} names no solver: give http01 (webroot or listen) or dns01 (rfc2136 or exec)`);
}
