#!/usr/bin/env node
import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{a as h}from"./chunks/chunk-MEN77IXI.js";import{a as u}from"./chunks/chunk-BI4WSLC7.js";import{g as a,h as f}from"./chunks/chunk-A6RLJQZL.js";import{setFlagsFromString as w}from"node:v8";function g(){w("--semi-space-growth-factor=1")}var n={init:{summary:"start a certops repository: certificates.yaml, policies/, an age identity",load:()=>import("./chunks/init-ASEHQT7P.js")},ca:{summary:"ca init: create the built-in CA, its key age-encrypted",load:()=>import("./chunks/ca-4N5Z47Q7.js")},lint:{summary:"check certificates.yaml, the lock file and certificates against policies/",load:()=>import("./chunks/lint-RQUEFDP4.js")},renew:{summary:"issue the certificates that are due and commit them to the renewal branch",load:()=>import("./chunks/renew-MVJITSES.js")},deploy:{summary:"deploy certificates to their targets, verify what is served, roll back on failure",load:()=>import("./chunks/deploy-DDI6ER5S.js")},report:{summary:"write expiry, metrics and evidence reports; forward ledger events to SIEM sinks",load:()=>import("./chunks/report-HDCJHU4Q.js")},audit:{summary:"audit verify: check the hash chain of the audit ledger",load:()=>import("./chunks/audit-JIPA5NU3.js")}};function C(){let t=Object.keys(n),r=Math.max(...t.map(o=>o.length))+4;return`Usage: certops <command> [options]

Commands:
${t.map(o=>`  ${o.padEnd(r)}${n[o].summary}`).join(`
`)}

Options:
  -h, --help       show this help; certops <command> --help shows a command's options
  -v, --version    print the version
`}async function y(t,r){let s=C(),o="certops";try{let[e,...i]=t;if(e===void 0)throw new a("missing command");if(e==="-h"||e==="--help"||e==="help")return r.stdout(s),0;if(e==="-v"||e==="--version")return r.stdout(`${h}
`),0;let c=Object.hasOwn(n,e)?n[e]:void 0;if(!c){if(e.startsWith("-"))throw new a(`unknown option ${e}; options go after the command`);let l=u(e,Object.keys(n));throw new a(`unknown command "${e}"${l?`; did you mean "${l}"?`:""}`)}let{command:d}=await c.load();s=d.usage,o=`certops ${e}`;let p=i.includes("--")?i.slice(0,i.indexOf("--")):i;return p.includes("-h")||p.includes("--help")?(r.stdout(s),0):await d.run(i,r)}catch(e){return e instanceof a?(r.stderr(`${o}: ${e.message}

${s}`),2):e instanceof f?(r.stderr(`certops: ${e.message}
`),e.exitCode):(r.stderr(`certops: ${e instanceof Error?e.message:String(e)}
`),1)}}g();var m=t=>{process.stderr.write(`certops: ${t instanceof Error?t.message:String(t)}
`),process.exit(2)};process.on("uncaughtException",m);process.on("unhandledRejection",m);process.stdout.on("error",t=>t.code==="EPIPE"?process.exit(process.exitCode??0):m(t));process.exitCode=await y(process.argv.slice(2),{stdout:t=>{process.stdout.write(t)},stderr:t=>{process.stderr.write(t)},cwd:process.cwd()});
