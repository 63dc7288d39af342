export { AcmeIssuer, orderIdentifiers } from './acme-issuer.js';
export { ariCertificateId, parseRenewalInfo } from './ari.js';
export type { AcmeIssuerOptions, AcmeLogEntry, AcmeLogger, AcmeSpec, AcmeTuning } from './options.js';
export { selectSolver } from './solvers/select.js';
