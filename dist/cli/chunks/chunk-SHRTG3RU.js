import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
function i(e){return((e.length%2?`0${e}`:e).toUpperCase().match(/../g)??[]).join(":")}function n(e){return`certificate_${e}`}export{i as a,n as b};
