import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{a as m}from"./chunk-7W3CSM2P.js";import{h as s}from"./chunk-XBW6HPSL.js";import"./chunk-6CRPTF7J.js";import{g as d,h as c,i as h}from"./chunk-A6RLJQZL.js";import{readFileSync as u}from"node:fs";import{resolve as g}from"node:path";var f={repo:{type:"string"},ledger:{type:"string"}},y=`Usage: certops audit verify [options]

Checks the hash chain of the audit ledger and names the first line that was edited,
removed, reordered or truncated.

Options:
  --repo DIR      repository root (default: the current directory)
  --ledger FILE   ledger path, relative to the repository (default: ${s})
  -h, --help      show this help

Exit status: 0 the chain is whole, 1 it is broken, 2 usage error or no ledger.
`,b={usage:y,async run(l,t){let[o,...p]=l;if(o!=="verify")throw new d(o?`unknown subcommand "audit ${o}"; the only one is "audit verify"`:"missing subcommand: certops audit verify");let{values:n}=h(p,f),r=g(t.cwd,n.repo??".",n.ledger??s),i;try{i=u(r,"utf8")}catch(a){throw new c(`cannot read the ledger ${r}: ${a.code??a.message}`,2)}let e=m(i);return e.ok?(t.stdout(`${r}: ${e.lines} line(s), chain intact${e.head?`; head ${e.head}`:""}
`),0):(t.stdout(`${r}: line ${e.firstBadLine}: ${e.problem}
`),1)}};export{b as command};
