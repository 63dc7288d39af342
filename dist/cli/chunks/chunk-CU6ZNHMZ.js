import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{i as n}from"./chunk-XBW6HPSL.js";var i=class{constructor(e,t={}){this.repoDir=e;this.options=t}repoDir;options;written=[];async emit(e){let t=await n(this.repoDir,[e],this.options);this.written.push(...t.appended)}};export{i as a};
