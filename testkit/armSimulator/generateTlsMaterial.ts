import { generate } from 'selfsigned';

/** A throw-away CA and a serving certificate it signed. */
export interface TlsMaterial {
  /** CA certificate (PEM): what clients trust (`tlsOptions: { ca }`). */
  readonly caPem: string;
  /** Serving certificate (PEM), SAN `IP:127.0.0.1`, `IP:::1`, `DNS:localhost`. */
  readonly certPem: string;
  /** Serving key (PEM). */
  readonly keyPem: string;
}

/**
 * Generates a fresh CA and a localhost serving certificate signed by it (EC P-256, SHA-256, valid one day).
 * @param commonName - CA common name
 */
export async function generateTlsMaterial(commonName = 'aks-keysync ARM simulator CA'): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
