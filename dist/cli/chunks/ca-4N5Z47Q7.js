import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{A as g,z as d}from"./chunk-7WXDUP2M.js";import"./chunk-X7SZ5MFM.js";import"./chunk-L25UXLIS.js";import{s as r,u as h}from"./chunk-AKAG5O2W.js";import"./chunk-BI4WSLC7.js";import"./chunk-6CRPTF7J.js";import{g as p,h as o,i as f,j as y,k as l}from"./chunk-A6RLJQZL.js";import{readFileSync as A}from"node:fs";import{join as I}from"node:path";var O={repo:{type:"string"},"common-name":{type:"string"},organization:{type:"string"},intermediate:{type:"boolean"},force:{type:"boolean"},now:{type:"string"}},v=`Usage: certops ca init [options]

Creates the built-in CA: a root (and with --intermediate an intermediate that signs the
leaves), written to pki/ca.pem with its key age-encrypted to the recipients of
certificates.yaml as pki/ca.key.age. No key is ever written in plaintext.

Options:
  --repo DIR            repository root (default: the current directory)
  --common-name CN      the root's common name (default: "certops CA <repository name>")
  --organization O      the subject organization
  --intermediate        also create an intermediate that issues; the root key is kept encrypted
  --force               replace an existing CA
  --now ISO-8601        the CA's notBefore reference (default: the current time)
  -h, --help            show this help

Then name it in certificates.yaml:
  issuers:
    internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
`,F={usage:v,async run(u,a){let[s,...w]=u;if(s!=="init")throw new p(s?`unknown subcommand "ca ${s}"; the only one is "ca init"`:"missing subcommand: certops ca init");let{values:e}=f(w,O),C=y(e.now),i=l(e.repo,a),c;try{c=A(I(i,r),"utf8")}catch{throw new o(`${r} not found in ${i}: the CA key is encrypted to its recipients, so create it first (certops init).`,2)}let{manifest:k,findings:n}=h(c),m=k?.recipients??[];if(!m.length){let t=n.length?` (${n[0].file}:${n[0].line}: ${n[0].message})`:"";throw new o(`${r} lists no recipients${t}: add recipients: [age1...] so the CA key can be encrypted.`,2)}let $=await d({commonName:e["common-name"]??`certops CA ${i.split("/").pop()}`,...e.organization?{organization:e.organization}:{},...e.intermediate?{intermediate:!0}:{},now:C});try{let t=await g({repoDir:i,ca:$,recipients:m,...e.force?{force:!0}:{}});for(let b of t.files)a.stdout(`wrote ${b}
`);a.stdout(`issuer block for certificates.yaml:
  ca: { certificate: ${t.issuer.certificate}, privateKey: ${t.issuer.privateKey} }
`)}catch(t){throw new o(t.message,2)}return 0}};export{F as command};
