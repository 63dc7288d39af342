export { BuiltInCaIssuer, type BuiltInCaFromRepoOptions, type BuiltInCaIssuerOptions } from './builtin-ca-issuer.js';
export { DEFAULT_BACKDATE_MS, randomSerialNumber } from './certificate-fields.js';
export {
  DEFAULT_CA_FILE_PATHS,
  initCa,
  issuingCa,
  writeCaFiles,
  type CaBundle,
  type CaCertificateAndKey,
  type CaFilePaths,
  type InitCaOptions,
  type WriteCaFilesOptions,
  type WrittenCaFiles,
} from './init-ca.js';
