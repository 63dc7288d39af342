/** The stages of one deploy to one target, in the order they run. */
export type StepName =
  /** Reading the certificate and decrypting its key; checking that they belong together. */
  | 'prepare'
  /** Looking at what the target holds and serves, to decide whether anything must change. */
  | 'inspect'
  /** Putting the files in place (files, ssh) or running the user's command. */
  | 'deploy'
  /** The target's `reload` command. */
  | 'reload'
  /** TLS handshakes with the verify addresses: is the new certificate what is served? */
  | 'verify'
  /** Putting back what was in place before this run. */
  | 'rollback'
  /** The reload after the rollback, so the server picks the restored files up again. */
  | 'reload-after-rollback'
  /** Proof that the previous certificate is served again. */
  | 'verify-after-rollback';

export interface StepRecord {
  step: StepName;
  status: 'ok' | 'failed' | 'skipped';
  /** What happened, for people: never holds key material. */
  detail: string;
  durationMs: number;
}

/**
 * How one certificate's deploy to one target ended.
 * - deployed: the new certificate is in place (and served, where the target verifies).
 * - unchanged: it already was; nothing was written or reloaded.
 * - rolled-back: the deploy failed and the previous state was restored and is served again.
 * - failed: the deploy failed, and there was nothing to roll back or the rollback failed too.
 */
export type TargetStatus = 'deployed' | 'unchanged' | 'rolled-back' | 'failed';

export interface TargetOutcome {
  certificate: string;
  target: string;
  status: TargetStatus;
  /** The certificate being deployed (from the certificate file), when it could be read. */
  serial?: string;
  sha256?: string;
  notAfter?: string;
  steps: StepRecord[];
  /** One line that names every step and how it ended: the job summary row, the event message. */
  message: string;
}

/** Why a certificate was picked for this run. */
export type SelectionReason =
  /** Its lock entry is new or names another certificate than at `since`. */
  | 'lock-changed'
  /** Its lock entry is the same, but its `deploy` list or one of those targets changed in certificates.yaml. */
  | 'targets-changed'
  /** Named in `only`. */
  | 'requested'
  /** `all` was set. */
  | 'all';

export interface SelectedCertificate {
  name: string;
  reason: SelectionReason;
}

export interface DeployResult {
  selected: SelectedCertificate[];
  /** Certificate × target pairs where the new certificate went into service. */
  deployed: TargetOutcome[];
  /** Pairs that already had (and served) the certificate. */
  unchanged: TargetOutcome[];
  /** Every pair that failed, rolled back or not. */
  failed: TargetOutcome[];
  /** The failed pairs whose previous state was restored and verified: a subset of `failed`. */
  rolledBack: TargetOutcome[];
  /** Certificates that were selected but have nothing to deploy, with the reason. */
  skipped: { certificate: string; reason: string }[];
  /** No pair failed. */
  ok: boolean;
}
