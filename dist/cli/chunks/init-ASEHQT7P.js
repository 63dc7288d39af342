import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{b as h}from"./chunk-X7SZ5MFM.js";import{b as u}from"./chunk-FKOFIGD3.js";import{s as o}from"./chunk-AKAG5O2W.js";import"./chunk-BI4WSLC7.js";import{g as p,h as l,i as m}from"./chunk-A6RLJQZL.js";import{existsSync as y,mkdirSync as f,writeFileSync as d}from"node:fs";import{dirname as g,join as r,resolve as w}from"node:path";var v={repo:{type:"string"},recipient:{type:"string",multiple:!0},"identity-out":{type:"string"}},E=`Usage: certops init [options]

Starts a certops repository: certificates.yaml (a commented starter), policies/baseline.yaml
(the baseline policy) and, unless recipients are given, a new age identity whose public key
becomes the recipient of every private key certops stores.

Options:
  --repo DIR            repository root (default: the current directory)
  --recipient AGE1...   an age recipient that may decrypt keys (repeat for several)
  --identity-out FILE   where to write a new identity (default: certops-identity.txt beside
                        the repository, never inside it). Store it as the CERTOPS_AGE_IDENTITY secret.
  -h, --help            show this help
`,T={usage:E,async run(a,t){let{values:c}=m(a,v),e=w(t.cwd,c.repo??".");if(f(e,{recursive:!0}),y(r(e,o)))throw new l(`${o} already exists in ${e}; certops init never overwrites it.`,2);let n=[...c.recipient??[]];for(let i of n)if(!/^age1[02-9ac-hj-np-z]{58}$/.test(i))throw new p(`--recipient ${i} is not an age X25519 recipient (age1 followed by 58 characters)`);if(!n.length){let i=await h(),s=w(t.cwd,c["identity-out"]??r(g(e),"certops-identity.txt"));if(s.startsWith(`${e}/`))throw new p("--identity-out must be outside the repository: the identity decrypts every key");if(y(s))throw new l(`${s} already exists; pass --identity-out or --recipient`,2);d(s,`# certops age identity; public key: ${i.recipient}
${i.identity}
`,{mode:384}),n.push(i.recipient),t.stdout(`wrote a new age identity to ${s} (mode 0600): store it as the CERTOPS_AGE_IDENTITY secret, then delete it
`)}return d(r(e,o),b(n)),f(r(e,"policies"),{recursive:!0}),y(r(e,"policies/baseline.yaml"))||d(r(e,"policies/baseline.yaml"),u),t.stdout(`wrote ${o} and policies/baseline.yaml
next: certops ca init (a private CA), or add an acme issuer; then certops lint and certops renew
`),0}};function b(a){return`# yaml-language-server: $schema=https://certops.dev/schema/certificates.schema.json
# The certificate inventory: certops reads it and never rewrites it.
version: 1
# Who can decrypt the private keys in certs/<name>/key.pem.age: the deploy job's identity
# (the CERTOPS_AGE_IDENTITY secret) and, ideally, a break-glass key kept offline.
recipients:
${a.map(t=>`  - ${t}`).join(`
`)}
defaults:
  issuer: internal
  duration: 90d
  renewBefore: 30d
  privateKey: { algorithm: ECDSA, size: 256, rotationPolicy: Always }
  owners: [platform]
owners:
  platform: [your-org/platform]   # GitHub users or org/team slugs
issuers:
  # certops ca init creates these files.
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
  # letsencrypt:
  #   acme:
  #     directory: https://acme-v02.api.letsencrypt.org/directory
  #     email: pki@example.com
  #     solvers: [ { http01: { webroot: /var/www/acme } } ]
targets:
  local: { files: { dir: "./deployed/{name}" } }
certificates:
  - name: example
    dnsNames: [example.internal]
    deploy: [local]
`}export{T as command};
