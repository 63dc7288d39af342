// The floor lint is compared with: read every certs/<name>/cert.pem of a repository and parse
// it with node:crypto, nothing else. Plain JavaScript so it starts as fast as node itself.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const certs = join(process.argv[2] ?? '.', 'certs');
let parsed = 0;
for (const name of readdirSync(certs)) {
  const cert = new X509Certificate(readFileSync(join(certs, name, 'cert.pem')));
  if (cert.serialNumber) parsed++;
}
process.stdout.write(`${parsed}\n`);
