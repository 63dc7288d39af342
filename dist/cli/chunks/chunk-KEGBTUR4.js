import { createRequire as __certopsCreateRequire } from 'node:module';
const require = __certopsCreateRequire(import.meta.url);
function r(t){return((t.length%2?`0${t}`:t).toUpperCase().match(/../g)??[]).join(":")}function i(t){return`certificate_${t}`}function n(t,e){return{timestamp:e.now.toISOString(),event_type:i(t),certificate_subject:"",certificate_serial:"",issuer:"",expiration_date:"",deployment_status:"n/a",target_systems:[],certificate:e.certificate,actor:e.actor,run_url:e.runUrl,...e.commit?{commit:e.commit}:{},message:e.message}}export{r as a,i as b,n as c};
