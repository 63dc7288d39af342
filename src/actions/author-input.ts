import * as core from '@actions/core';
import type { GitIdentity } from '../gitops/git.js';

/** An `author` input, "Name <email>"; undefined when empty (the github-actions bot then commits). */
export function authorInput(name: string): GitIdentity | undefined {
  const text = core.getInput(name);
  if (!text) return undefined;
  const m = /^(.+?)\s*<([^>]+)>$/.exec(text);
  if (!m) throw new Error(`Input "${name}" must be "Name <email>"; got "${text}".`);
  return { name: m[1]!, email: m[2]! };
}
