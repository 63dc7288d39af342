// The deploy core's public surface: what the CLI (`certops deploy`) and the deploy action call.
export { deployCertificates, DeployInputError, type DeployOptions } from './deploy.js';
export type { DeployResult, SelectedCertificate, SelectionReason, StepName, StepRecord, TargetOutcome, TargetStatus } from './types.js';
export { changedLockEntries, changedTargetUse, isNullRevision, selectChanged } from './changes.js';
export { deployToTarget, summarize } from './deploy-target.js';
export { createTarget, TargetConfigError, type Target, type TargetContext } from './target.js';
export { DeployMaterial } from './material.js';
export { splitCommandLine } from './command-line.js';
