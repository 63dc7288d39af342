import { errorCode } from '../../net/retry.js';

// OpenSSL's verification results as Node reports them: the CA's certificate is not trusted here.
const TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const NAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const TIME_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export interface ConnectionErrorContext {
  url: string;
  directoryUrl: string;
  issuerName: string;
}

/**
 * One sentence on why a request to the CA got no HTTP answer, and what to do about it. The TLS
 * trust case matters most: acme-client on its own reports it as "Cannot read properties of
 * undefined (reading 'config')".
 */
export function describeConnectionError(error: unknown, context: ConnectionErrorContext): string {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const where = `issuers.${context.issuerName}.acme`;
  if (code && TRUST_CODES.has(code)) {
    return `the ACME directory ${context.directoryUrl} is served with a TLS certificate that Node does not trust (${code}: ${detail}); `
      + `give the CA that signed it as a PEM file in ${where}.caCertificate, or set NODE_EXTRA_CA_CERTS=<ca.pem> for the process`;
  }
  if (code && NAME_CODES.has(code)) {
    return `the TLS certificate of ${new URL(context.url).host} does not name that host (${detail}); check ${where}.directory (${context.directoryUrl})`;
  }
  if (code && TIME_CODES.has(code)) {
    return `the TLS certificate of ${new URL(context.url).host} is outside its validity period (${code}); check the clock of this machine and the CA's certificate`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `cannot reach the ACME server for ${context.url} (${code}); check ${where}.directory (${context.directoryUrl}) and the network`;
  }
  return `the request to ${context.url} got no answer (${code ?? detail}); ACME directory ${context.directoryUrl}`;
}

/**
 * acme-client's message when a request failed without an HTTP answer outside a certops
 * transport (its retry interceptor dereferences the missing response).
 */
export function isAcmeClientLostResponse(error: unknown): boolean {
  return error instanceof TypeError && /reading 'config'/.test(error.message);
}
