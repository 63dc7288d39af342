/** What a report says about a rule: a one-line summary and how to fix a finding. */
export interface RuleMetadata {
  id: string;
  summary: string;
  help: string;
}

const LOCK_HELP =
  'certificates.lock.yaml is written only by certops. Restore it from git (git checkout -- certificates.lock.yaml) or regenerate it with `certops renew --force`; do not edit it by hand.';

/**
 * Findings that come from loading files rather than from a policy rule. They have no entry in
 * RULES, yet SARIF needs a rule descriptor for every result, so their texts live here.
 */
export const BUILTIN_RULE_METADATA: ReadonlyMap<string, RuleMetadata> = new Map(
  [
    {
      id: 'manifest-missing',
      summary: 'certificates.yaml is missing.',
      help: 'Create certificates.yaml at the repository root (`certops init` writes a starter), or point --manifest (CLI) or the `manifest` input (action) at the file.',
    },
    {
      id: 'manifest-syntax',
      summary: 'certificates.yaml is not valid YAML.',
      help: 'Fix the YAML syntax at the reported line and column. An editor with yaml-language-server and schema/certificates.schema.json shows the problem as you type.',
    },
    {
      id: 'manifest-schema',
      summary: 'certificates.yaml does not match its schema.',
      help: 'Fix the field named in the message: unknown keys (the message suggests the closest known one), wrong types, durations (write 90d, 2160h or 1h30m) and missing required fields are each reported at their line. schema/certificates.schema.json documents every field.',
    },
    {
      id: 'manifest-reference',
      summary: 'A certificate refers to an issuer, target or owner that is not defined.',
      help: 'Define the name under issuers, targets or owners in certificates.yaml, or correct the reference (the message suggests the closest defined name).',
    },
    {
      id: 'manifest-duplicate',
      summary: 'Two certificates share a name.',
      help: 'Rename one of them: names must be unique because each certificate keeps its files under certs/<name>/.',
    },
    { id: 'lock-syntax', summary: 'certificates.lock.yaml is not valid YAML.', help: LOCK_HELP },
    { id: 'lock-schema', summary: 'certificates.lock.yaml does not match its schema.', help: LOCK_HELP },
    {
      id: 'policy-syntax',
      summary: 'A policy file is not valid YAML.',
      help: 'Fix the YAML syntax of the policy file at the reported line and column. An editor with schema/policy.schema.json shows the problem as you type.',
    },
    {
      id: 'policy-schema',
      summary: "A policy file does not match the policy schema, or a rule's parameters are invalid.",
      help: 'Fix the rule or field named in the message. schema/policy.schema.json lists every rule with its parameters; a misspelt rule id is reported with the closest known one.',
    },
  ].map((m) => [m.id, m]),
);
