import { factsOfPem, type CertificateFacts } from './command-delivery.js';
import { errorText } from './delivery.js';
import type { DeployMaterial } from './material.js';
import type { Target } from './target.js';
import type { StepName, StepRecord, TargetOutcome, TargetStatus } from './types.js';
import { expectationFromPem, expectationOf, type Expectation } from './verify.js';

export interface DeployToTargetOptions {
  /** Told each step as it ends: `api -> edge: verify ok: ...`. */
  log?: (line: string) => void;
}

/**
 * Deploys one certificate to one target: inspect, deploy, reload, verify; and when deploy,
 * reload or verify fails, rollback, reload again and verify that the previous certificate is
 * served again. Never throws: every failure is a step in the outcome.
 *
 * Idempotency: when the target already holds the material and serves it (one handshake per
 * address), nothing is written or reloaded and the outcome is `unchanged`. A target that cannot
 * tell what it holds (a command) counts as in place only when its verify shows the certificate.
 */
export async function deployToTarget(target: Target, material: DeployMaterial, options: DeployToTargetOptions = {}): Promise<TargetOutcome> {
  const steps: StepRecord[] = [];
  const expect = expectationOf(material);
  const serverName = material.serverName;
  const record = (step: StepName, status: StepRecord['status'], detail: string, started: number) => {
    steps.push({ step, status, detail, durationMs: Date.now() - started });
    options.log?.(`${material.name} -> ${target.name}: ${step} ${status === 'failed' ? 'FAILED' : status}: ${detail}`);
  };
  const outcome = (status: TargetStatus): TargetOutcome => ({
    certificate: material.name,
    target: target.name,
    status,
    serial: material.serial,
    sha256: material.sha256,
    notAfter: material.notAfter.toISOString(),
    steps,
    message: summarize(status, steps),
  });

  // inspect
  let started = Date.now();
  try {
    const inPlace = await target.inPlace(material);
    if (inPlace !== false && target.verifies) {
      const served = await target.verify(expect, { serverName, once: true });
      if (served.ok) {
        record('inspect', 'ok', `${inPlace ? 'the files are in place' : 'in place as far as certops can see'} and ${served.detail}: nothing to do`, started);
        return outcome('unchanged');
      }
      record('inspect', 'ok', `${inPlace ? 'the files are in place, but ' : ''}${served.detail}`, started);
    } else if (inPlace === true) {
      record('inspect', 'ok', 'the files are in place and the target has no verify: nothing to do', started);
      return outcome('unchanged');
    } else {
      record('inspect', 'ok', inPlace === false ? 'the target holds other files' : 'the target cannot tell what it holds and has no verify', started);
    }
  } catch (err) {
    record('inspect', 'failed', `${errorText(err)}; nothing was changed`, started);
    return outcome('failed');
  }

  // deploy, reload, verify
  started = Date.now();
  let replaced: Expectation | undefined;
  try {
    const r = await target.deploy(material);
    if (r.replacedCertificatePem) replaced = expectationFromPem(r.replacedCertificatePem, 'the previous certificate');
    record('deploy', 'ok', r.detail, started);
  } catch (err) {
    record('deploy', 'failed', errorText(err), started);
    return rollBack(target, material, expect, record, outcome);
  }
  if (target.reloads) {
    started = Date.now();
    try {
      record('reload', 'ok', await target.reload(material, 'deploy'), started);
    } catch (err) {
      record('reload', 'failed', errorText(err), started);
      return rollBack(target, material, expect, record, outcome);
    }
  }
  if (target.verifies) {
    started = Date.now();
    const report = await target.verify(expect, replaced ? { serverName, other: replaced } : { serverName });
    if (!report.ok) {
      record('verify', 'failed', report.detail, started);
      return rollBack(target, material, expect, record, outcome);
    }
    record('verify', 'ok', report.detail, started);
  }
  return outcome('deployed');
}

async function rollBack(
  target: Target,
  material: DeployMaterial,
  failed: Expectation,
  record: (step: StepName, status: StepRecord['status'], detail: string, started: number) => void,
  outcome: (status: TargetStatus) => TargetOutcome,
): Promise<TargetOutcome> {
  let started = Date.now();
  let previous: Expectation | undefined;
  let restoredFacts: CertificateFacts | undefined;
  try {
    const r = await target.rollback();
    if (!r.changed) {
      record('rollback', 'skipped', `${r.detail}; the target is as it was`, started);
      return outcome('failed');
    }
    record('rollback', 'ok', r.detail, started);
    if (r.restored?.certificatePem) {
      previous = expectationFromPem(r.restored.certificatePem, 'the previous certificate');
      restoredFacts = factsOfPem(material.name, r.restored.certificatePem);
    }
  } catch (err) {
    record('rollback', 'failed', errorText(err), started);
    return outcome('failed');
  }
  if (target.reloads) {
    started = Date.now();
    try {
      // The reload is told about the certificate now in place again, not the one that failed.
      record('reload-after-rollback', 'ok', await target.reload(material, 'rollback', restoredFacts), started);
    } catch (err) {
      record('reload-after-rollback', 'failed', errorText(err), started);
      return outcome('failed');
    }
  }
  if (target.verifies) {
    started = Date.now();
    if (!previous) {
      record('verify-after-rollback', 'skipped', 'there was no previous certificate to check for', started);
    } else {
      const report = await target.verify(previous, { serverName: material.serverName, other: { ...failed, label: 'the new certificate' } });
      record('verify-after-rollback', report.ok ? 'ok' : 'failed', report.detail, started);
      if (!report.ok) return outcome('failed');
    }
  }
  return outcome('rolled-back');
}

/** The one-line story of a deploy, every step named: `deploy ok; reload ok; verify FAILED: ...; rollback ok: ...`. */
export function summarize(status: TargetStatus, steps: readonly StepRecord[]): string {
  const head: Record<TargetStatus, string> = {
    deployed: 'deployed',
    unchanged: 'unchanged',
    'rolled-back': 'FAILED and rolled back',
    failed: 'FAILED',
  };
  const body = steps.map((s) => `${s.step} ${s.status === 'failed' ? 'FAILED' : s.status}: ${s.detail}`).join('; ');
  return `${head[status]}: ${body}`;
}
