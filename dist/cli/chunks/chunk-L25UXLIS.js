import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
import{isIPv6 as r}from"node:net";function e(n){return!n.includes(":")||n.includes("%")||!r(n)?n:new URL(`http://[${n}]/`).hostname.slice(1,-1)}export{e as a};
