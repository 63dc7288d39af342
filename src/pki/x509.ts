// The one door to @peculiar/x509. tsyringe, which it uses, needs the Reflect metadata polyfill
// loaded before @peculiar/x509 evaluates; ESM evaluates imports in source order, so importing
// 'reflect-metadata' first here and importing x509 only through this module guarantees it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// node's webcrypto is a full WebCrypto (Ed25519 included on Node 20 and 24); setting it
// explicitly avoids relying on the library's global probing, which differs between runtimes.
// The casts bridge @types/node's webcrypto declarations and the DOM lib's, which describe the
// same API but are distinct types.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
/** The WebCrypto every certops module signs with, so keys and signatures share one provider. */
export const subtle: SubtleCrypto = webcrypto.subtle as unknown as SubtleCrypto;
