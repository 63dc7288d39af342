import type { Rule } from '../types.js';
import { fieldLocation } from './locate.js';
import { booleanParam, noParameters, onlyKeys, stringList } from './params.js';

export const allowedIssuersRule: Rule = {
  id: 'allowed-issuers',
  summary: 'Certificates come from an allowed issuer.',
  help: 'Set issuer to one the policy allows, or ask the policy approvers to allow this issuer.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['issuers'], problems);
    stringList(config, 'issuers', problems, true);
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const allowed = config.issuers as string[];
    if (allowed.includes(cert!.issuer)) return [];
    return [{ ...fieldLocation(ctx, cert!, 'issuer'), message: `issuer "${cert!.issuer}" is not allowed here; use one of: ${allowed.join(', ')}.` }];
  },
};

export const ownersRequiredRule: Rule = {
  id: 'owners-required',
  summary: 'Every certificate names its owners.',
  help: 'Add owners: [team] to the certificate (or to defaults), naming entries under owners: they review renewals and are told before expiry.',
  scope: 'certificate',
  validate: noParameters,
  check(ctx, _config, _policy, cert) {
    if (cert!.owners.length > 0) return [];
    return [{ ...fieldLocation(ctx, cert!, 'owners'), message: `${cert!.name} names no owners: nobody would be told when it fails or expires. Add owners: [<team>].` }];
  },
};

export const deployTargetsRule: Rule = {
  id: 'deploy-targets',
  summary: 'Certificates name the targets they are deployed to.',
  help: 'Add deploy: [<target>] naming entries under targets, or turn the rule off for certificates used elsewhere.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['required'], problems);
    booleanParam(config, 'required', problems, true);
    return problems;
  },
  check(ctx, config, _policy, cert) {
    // Unknown targets are manifest-reference errors from the loader, so only absence is checked here.
    const c = cert!;
    if (c.deploy.length > 0 || config.required === false) return [];
    return [{ ...fieldLocation(ctx, c, 'deploy'), message: `${c.name} is deployed nowhere. Add deploy: [<target>] so renewals reach a server.` }];
  },
};
