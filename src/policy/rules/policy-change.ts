import type { Rule } from '../types.js';
import { noParameters } from './params.js';

export const policyChangeRule: Rule = {
  id: 'policy-change',
  summary: 'A change to policies/ is reported and needs the policy approvers.',
  help: 'Policy changes take effect only after merge: this pull request is judged by the base branch policy. Ask the approvers named in the policy (enforce with CODEOWNERS on policies/) to review.',
  scope: 'repository',
  validate: noParameters,
  check(ctx, _config, policy) {
    // Every policy that enables the rule reports each change once; the engine removes repeats.
    return ctx.changedPolicyFiles.map((file) => ({
      file,
      line: 1,
      column: 1,
      message:
        `${file} changes the policy in this pull request. It is judged by the policy of ${ctx.policyRevision ?? 'the base branch'} and takes effect after merge; ` +
        (policy.approvers.length ? `it needs approval from ${policy.approvers.join(', ')} (${policy.file}).` : `${policy.file} names no approvers: add approvers: [<team>] and a CODEOWNERS entry for policies/.`),
    }));
  },
};
