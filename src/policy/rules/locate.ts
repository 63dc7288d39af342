import type { CertificateSpec } from '../../manifest/types.js';
import type { LintContext, RuleFinding } from '../types.js';

/**
 * Where a certificate's field is written: on the certificate itself, else in defaults (where
 * the value was inherited from), else the certificate entry. `item` points into a list field.
 */
export function fieldLocation(ctx: LintContext, cert: CertificateSpec, field: string, item?: number): Omit<RuleFinding, 'message'> {
  const suffix = item === undefined ? '' : `/${item}`;
  const own = `/certificates/${cert.index}/${field}`;
  const inherited = `/defaults/${field}`;
  const pos = ctx.manifestPositions;
  let pointer = own + suffix;
  let at = pos.value(pointer);
  if (!at && pos.value(own)) at = pos.value(own);
  if (!at) {
    const fromDefaults = pos.value(inherited + suffix) ?? pos.value(inherited);
    if (fromDefaults) {
      pointer = inherited + suffix;
      at = fromDefaults;
    }
  }
  if (!at) {
    pointer = `/certificates/${cert.index}`;
    at = pos.nearest(pointer);
  }
  return { certificate: cert.name, file: ctx.manifest.file, line: at.line, column: at.column, path: pointer };
}
